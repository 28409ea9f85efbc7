import { map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  createPipeline,
  type ClassificationPipeline,
  type Frame,
  type PipelineDeps,
  type PipelineOptions,
} from '../../src/pipeline';
import { fakePostprocess, fakePreprocess, frameAt, MARK, SerialVirtualBackend, VirtualBackend } from './fakes';

interface Rig {
  pipeline: ClassificationPipeline;
  backend: VirtualBackend;
  warnings: string[];
  /** Marble chars become frames stamped at their emission time; `markers` tags frames the fakes must fail. */
  source(marbles: string, markers?: Record<string, number>): Observable<Frame>;
  /** frame ids of the results, in publication order. */
  ids: Observable<string>;
}

type RunHelpers = Parameters<Parameters<TestScheduler['run']>[0]>[0];

interface Env extends RunHelpers {
  ts: TestScheduler;
  rig(options: Partial<PipelineOptions>, backend?: VirtualBackend, deps?: Pick<PipelineDeps, 'ageClock'>): Rig;
}

/** Runs `body` on virtual time with a pipeline factory wired to the running TestScheduler. */
function virtual(body: (env: Env) => void): void {
  const ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  ts.run((helpers) => {
    const rig = (
      options: Partial<PipelineOptions>,
      backend = new VirtualBackend(ts),
      deps: Pick<PipelineDeps, 'ageClock'> = {},
    ): Rig => {
      const warnings: string[] = [];
      const pipeline = createPipeline(options, {
        ...deps,
        backend,
        preprocess: fakePreprocess,
        postprocess: fakePostprocess,
        scheduler: ts,
        logger: { warn: (m) => warnings.push(m) },
      });
      return {
        pipeline,
        backend,
        warnings,
        source: (marbles, markers = {}) =>
          helpers.cold(marbles).pipe(map((id) => frameAt(id, ts.now(), { marker: markers[id] ?? MARK.ok }))),
        ids: pipeline.results.pipe(map((r) => r.header.frameId)),
      };
    };
    body({ ...helpers, ts, rig });
  });
}

/** Marble values that are their own names. */
function self(chars: string): Record<string, string> {
  return Object.fromEntries([...chars].map((c) => [c, c]));
}

function expectInvariant(pipeline: ClassificationPipeline): void {
  for (const s of pipeline.stats().sources) {
    expect(s.received).toBe(s.published + s.droppedTotal + s.queueDepth + s.inflight);
  }
}

describe('queue policies (backend: 10 ms per call, one call in flight)', () => {
  const input = 'a-b-c-d-e'; // frames at 0, 2, 4, 6, 8 ms

  it('latest keeps only the newest waiting frame', () => {
    virtual(({ rig, expectObservable, flush }) => {
      const r = rig({ queuePolicy: 'latest', maxInflight: 1 });
      r.pipeline.addSource('cam', r.source(input));
      // a goes out at once; b, c, d replaced each other in the one-frame buffer, then e: the newest when the call frees.
      expectObservable(r.ids).toBe('10ms a 9ms e', self('ae'));
      flush();
      const s = r.pipeline.stats().sources[0];
      expect(s).toMatchObject({ received: 5, published: 2, droppedTotal: 3, queueDepth: 0, inflight: 0 });
      expect(s?.dropped.queue_full).toBe(3);
      expect(r.backend.calls.map((c) => c.atMs)).toEqual([0, 10]);
    });
  });

  it('drop_oldest with depth 2 evicts the oldest waiting frame', () => {
    virtual(({ rig, expectObservable, flush }) => {
      const r = rig({ queuePolicy: 'drop_oldest', queueDepth: 2, maxInflight: 1 });
      r.pipeline.addSource('cam', r.source(input));
      // b and c were evicted by d and e while a ran.
      expectObservable(r.ids).toBe('10ms a 9ms d 9ms e', self('ade'));
      flush();
      expect(r.pipeline.stats().sources[0]?.dropped).toMatchObject({ queue_full: 2 });
      expectInvariant(r.pipeline);
    });
  });

  it('drop_newest with depth 2 refuses the arriving frame', () => {
    virtual(({ rig, expectObservable, flush }) => {
      const r = rig({ queuePolicy: 'drop_newest', queueDepth: 2, maxInflight: 1 });
      r.pipeline.addSource('cam', r.source(input));
      // b and c filled the buffer while a ran; d and e were refused.
      expectObservable(r.ids).toBe('10ms a 9ms b 9ms c', self('abc'));
      flush();
      expect(r.pipeline.stats().sources[0]?.dropped).toMatchObject({ queue_full: 2 });
      expectInvariant(r.pipeline);
    });
  });

  it('counts the buffer at every instant: never more than depth + in flight', () => {
    virtual(({ rig, flush, cold }) => {
      const r = rig({ queuePolicy: 'drop_oldest', queueDepth: 3, maxInflight: 2 });
      r.pipeline.addSource('a', r.source('abcdefghijklmnopqrstuvwxyz'));
      r.pipeline.addSource('b', r.source('ABCDEFGHIJKLMNOPQRSTUVWXYZ'));
      const snapshots: number[] = [];
      cold('-'.repeat(60)).subscribe(); // keeps the clock going
      r.pipeline.results.subscribe(() => snapshots.push(r.pipeline.stats().bufferedFrames));
      flush();
      const stats = r.pipeline.stats();
      expect(stats.bufferBound).toBe(3 + 3 + 2);
      expect(stats.maxBufferedFrames).toBe(stats.bufferBound);
      expect(Math.max(...snapshots)).toBeLessThanOrEqual(stats.bufferBound);
      expectInvariant(r.pipeline);
    });
  });
});

describe('maximum age', () => {
  it('drops frames that got older than maxAgeMs while waiting, before they are inferred', () => {
    virtual(({ rig, expectObservable, flush }) => {
      const r = rig({ queuePolicy: 'drop_oldest', queueDepth: 3, maxInflight: 1, maxAgeMs: 15 });
      r.pipeline.addSource('cam', r.source('abcd'));
      // a: sent at 0. b: taken when the call freed at 10 (age 9). c and d are 18 and 17 ms old at 20: dropped unsent.
      expectObservable(r.ids).toBe('10ms a 9ms b', self('ab'));
      flush();
      expect(r.pipeline.stats().sources[0]).toMatchObject({ published: 2, dropped: { stale: 2 } });
      expect(r.backend.calls.map((c) => c.atMs)).toEqual([0, 10]);
    });
  });

  it('measures age from the stamp or from the receive time as configured', () => {
    virtual(({ ts, rig, cold, expectObservable, flush }) => {
      const oldStamp = (id: string): Frame => ({ ...frameAt(id, ts.now() - 1000), receiveTimeMs: ts.now() });
      const byStamp = rig({ maxAgeMs: 50, ageReference: 'stamp' });
      const byReceive = rig({ maxAgeMs: 50, ageReference: 'receive_time' });
      byStamp.pipeline.addSource('cam', cold('a-b').pipe(map(oldStamp)));
      byReceive.pipeline.addSource('cam', cold('a-b').pipe(map(oldStamp)));
      expectObservable(byStamp.ids).toBe('', {});
      expectObservable(byReceive.ids).toBe('10ms a 1ms b', self('ab'));
      flush();
      expect(byStamp.pipeline.stats().sources[0]).toMatchObject({ received: 2, dropped: { stale: 2 } });
      // The total age is measured from the same reference: 10 ms after receipt, not 1010 ms after the stamp.
      expect(byReceive.pipeline.stats().sources[0]?.latencyMs.total).toMatchObject({ p50: 10, p99: 10, count: 2 });
    });
  });
});

describe('clock domains', () => {
  it('measures stamp ages on the age clock (sim time) and every duration on the monotonic clock', () => {
    virtual(({ ts, rig, cold, expectObservable, flush }) => {
      // Sim time runs twice as fast as the monotonic (virtual) clock and starts elsewhere; stamps are in sim time.
      const simNow = (): number => 5000 + 2 * ts.now();
      const r = rig({ queuePolicy: 'drop_newest', queueDepth: 4, maxInflight: 1, maxAgeMs: 25 }, undefined, {
        ageClock: simNow,
      });
      r.pipeline.addSource(
        'cam',
        cold('abcd').pipe(map((id) => ({ ...frameAt(id, simNow()), receiveTimeMs: ts.now() }))),
      );
      // b is taken at 10: sim age 5020 - 5002 = 18. c and d at 20: sim ages 36 and 34 > 25 (monotonic ages 18 and 17).
      expectObservable(r.ids).toBe('10ms a 9ms b', self('ab'));
      flush();
      const s = r.pipeline.stats().sources[0];
      expect(s).toMatchObject({ published: 2, dropped: { stale: 2 } });
      // Ages in sim ms (a: 5020 - 5000, b: 5040 - 5002); the inference time in monotonic ms.
      expect(s?.latencyMs.total).toMatchObject({ p50: 20, p99: 38, count: 2 });
      expect(s?.latencyMs.inference).toMatchObject({ p50: 10, p99: 10 });
      expect(s?.latencyMs.queue).toMatchObject({ p50: 0, p99: 9 });
    });
  });

  it('defaults the age clock to the clock', () => {
    virtual(({ ts, rig, cold, expectObservable, flush }) => {
      const r = rig({ queuePolicy: 'drop_newest', queueDepth: 4, maxInflight: 1, maxAgeMs: 25 });
      r.pipeline.addSource('cam', cold('abcd').pipe(map((id) => frameAt(id, ts.now()))));
      // The same frames on one clock: c is 18 ms old when taken at 20; only d (27 ms at 30) is stale.
      expectObservable(r.ids).toBe('10ms a 9ms b 9ms c', self('abc'));
      flush();
      expect(r.pipeline.stats().sources[0]).toMatchObject({ published: 3, dropped: { stale: 1 } });
    });
  });
});

describe('micro-batching (batching backend, one call in flight)', () => {
  it('sends a batch as soon as it is full', () => {
    virtual(({ ts, rig, expectObservable, flush }) => {
      const r = rig(
        { maxBatch: 4, maxWaitMs: 5, maxInflight: 1, queuePolicy: 'drop_oldest', queueDepth: 8 },
        new VirtualBackend(ts, 8),
      );
      r.pipeline.addSource('cam', r.source('(abcdef)'));
      expectObservable(r.ids).toBe('10ms (abcd) 4ms (ef)', self('abcdef'));
      flush();
      // e and f waited in the buffer: sent as a partial batch when the slot freed at 10, their wait being over.
      expect(r.backend.calls).toEqual([
        { atMs: 0, size: 4 },
        { atMs: 10, size: 2 },
      ]);
    });
  });

  it('sends a partial batch when maxWaitMs passes', () => {
    virtual(({ ts, rig, expectObservable, flush }) => {
      const r = rig({ maxBatch: 4, maxWaitMs: 5, maxInflight: 1 }, new VirtualBackend(ts, 4));
      r.pipeline.addSource('cam', r.source('a-b 20ms c'));
      expectObservable(r.ids).toBe('15ms (ab) 19ms c', self('abc'));
      flush();
      expect(r.backend.calls).toEqual([
        { atMs: 5, size: 2 },
        { atMs: 28, size: 1 },
      ]);
    });
  });

  it('caps the batch at the backend maximum, and does not wait once the sources are done', () => {
    virtual(({ ts, rig, expectObservable, flush }) => {
      const r = rig(
        { maxBatch: 8, maxWaitMs: 50, maxInflight: 1, queuePolicy: 'drop_newest', queueDepth: 8 },
        new VirtualBackend(ts, 2),
      );
      r.pipeline.addSource('cam', r.source('(abc|)'));
      expectObservable(r.ids).toBe('10ms (ab) 6ms c', self('abc'));
      flush();
      expect(r.backend.calls.map((c) => c.size)).toEqual([2, 1]);
    });
  });

  it('gives a batch-1 backend single-frame calls, concurrently', () => {
    virtual(({ rig, expectObservable, flush }) => {
      const r = rig({ maxBatch: 4, maxWaitMs: 5, maxInflight: 3, queuePolicy: 'drop_oldest', queueDepth: 8 });
      r.pipeline.addSource('cam', r.source('(abcd)'));
      expectObservable(r.ids).toBe('10ms (abc) 5ms d', self('abcd'));
      flush();
      expect(r.backend.calls.map((c) => c.size)).toEqual([1, 1, 1, 1]);
      expect(r.backend.maxRunning).toBe(3);
    });
  });
});

describe('just-in-time submission to a one-core device', () => {
  it('starts the second call only when the running task is about to end, with the newest frame', () => {
    virtual(({ ts, rig, expectObservable, flush }) => {
      const backend = new SerialVirtualBackend(ts, 10);
      const r = rig({ queuePolicy: 'latest', maxInflight: 2 }, backend as unknown as VirtualBackend);
      r.pipeline.addSource('cam', r.source('abcdefghijklmnopqrstuvwxyz')); // a frame every 1 ms, 0..25
      // The first two calls go at once (no task time known yet). From then on the next call goes 1 ms before the
      // running task ends (19, 29), with the newest frame (t, z), and waits at most that 1 ms on the device.
      expectObservable(r.ids).toBe('10ms a 9ms b 9ms t 9ms z', self('abtz'));
      flush();
      expect(backend.calls.map((c) => c.atMs)).toEqual([0, 1, 19, 29]);
      expect(r.pipeline.stats().sources[0]).toMatchObject({ published: 4, dropped: { queue_full: 22 } });
    });
  });

  it('without a device parallelism, fills every call slot as soon as it frees', () => {
    virtual(({ ts, rig, expectObservable, flush }) => {
      const backend = new SerialVirtualBackend(ts, 10);
      const unknownDevice = { maxBatch: 1, infer: backend.infer.bind(backend) };
      const r = rig({ queuePolicy: 'latest', maxInflight: 2 }, unknownDevice as unknown as VirtualBackend);
      r.pipeline.addSource('cam', r.source('abcdefghijklmnopqrstuvwxyz'));
      // k is taken at 10 and waits 10 ms on the device behind b: its result is 20 ms old, t's above 11 ms.
      expectObservable(r.ids).toBe('10ms a 9ms b 9ms k 9ms u 9ms z', self('abkuz'));
      flush();
      expect(backend.calls.map((c) => c.atMs)).toEqual([0, 1, 10, 20, 30]);
    });
  });
});

describe('in-flight limit', () => {
  it.each([1, 2, 3])('never runs more than maxInflight=%i calls at once', (maxInflight) => {
    virtual(({ rig, flush }) => {
      const r = rig({ maxInflight, queuePolicy: 'drop_newest', queueDepth: 10 });
      r.pipeline.addSource('cam', r.source('(abcdefghij)'));
      const publishedAt: number[] = [];
      r.pipeline.results.subscribe(() => publishedAt.push(r.backend.scheduler.now()));
      flush();
      expect(r.backend.maxRunning).toBe(maxInflight);
      expect(publishedAt).toHaveLength(10);
      // With the backend saturated, the k-th frame finishes at 10 * ceil(k / maxInflight).
      expect(publishedAt).toEqual(publishedAt.map((_, k) => 10 * Math.ceil((k + 1) / maxInflight)));
    });
  });
});

describe('fairness', () => {
  it('round-robin: a 1 ms source cannot starve a 10 ms one, even with deep buffers', () => {
    virtual(({ rig, flush }) => {
      const r = rig({ queuePolicy: 'drop_oldest', queueDepth: 5, maxInflight: 1 });
      // fast: 1000 FPS for 100 ms; slow: one frame every 30 ms; the backend manages one frame per 10 ms.
      r.pipeline.addSource('fast', r.source('abcdefghijklmnopqrstuvwxy'.repeat(4)));
      r.pipeline.addSource('slow', r.source('A 29ms B 29ms C 29ms D'));
      const order: string[] = [];
      r.pipeline.results.subscribe((c) => order.push(c.source));
      flush();
      const slow = r.pipeline.stats().sources.find((s) => s.name === 'slow');
      expect(slow).toMatchObject({ received: 4, published: 4, droppedTotal: 0 });
      // Each slow frame waits at most for the fast frame already in flight.
      expect(slow?.latencyMs.total.p99).toBeLessThanOrEqual(20);
      // Between two slow results there are at most one in-flight and one round-robin fast result.
      expect(order.join(',')).not.toMatch(/(fast,){3}slow/);
    });
  });

  it('alternates between two saturated sources', () => {
    virtual(({ rig, flush }) => {
      const r = rig({ queuePolicy: 'drop_oldest', queueDepth: 4, maxInflight: 1 });
      r.pipeline.addSource('x', r.source('(abcd)'));
      r.pipeline.addSource('y', r.source('(ABCD)'));
      const ids: string[] = [];
      r.pipeline.results.subscribe((c) => ids.push(c.header.frameId));
      flush();
      // x's a goes at once, before y exists; from then on the sources take turns.
      expect(ids.join('')).toBe('aAbBcCdD');
    });
  });
});

describe('ordering', () => {
  it('publishes each source in frame order even when a later call finishes first', () => {
    virtual(({ ts, rig, expectObservable, flush }) => {
      const delays = [20, 5, 5];
      const r = rig(
        { maxInflight: 2, queuePolicy: 'drop_newest', queueDepth: 4 },
        new VirtualBackend(ts, 1, (i) => delays[i] ?? 5),
      );
      r.pipeline.addSource('cam', r.source('(abc)'));
      // b finishes at 5 and c at 10 but both wait for a (20).
      expectObservable(r.ids).toBe('20ms (abc)', self('abc'));
      flush();
    });
  });

  it('does not hold results back behind a dropped frame', () => {
    virtual(({ ts, rig, expectObservable, flush }) => {
      const delays = [20, 5];
      const r = rig(
        { maxInflight: 2, queuePolicy: 'drop_newest', queueDepth: 4 },
        new VirtualBackend(ts, 1, (i) => delays[i] ?? 5),
      );
      r.pipeline.addSource('cam', r.source('(xbc)', { x: MARK.backendError }));
      // x fails at 20; b (done at 5) and c (done at 15) wait for it, then go at once.
      expectObservable(r.ids).toBe('20ms (bc)', self('bc'));
      flush();
    });
  });
});

describe('error isolation', () => {
  it('counts each failure by cause, logs it rate-limited, and keeps going', () => {
    virtual(({ rig, expectObservable, flush }) => {
      const r = rig({ queuePolicy: 'drop_newest', queueDepth: 8, maxInflight: 1 });
      const markers = {
        d: MARK.decodeError,
        u: MARK.unsupported,
        m: MARK.malformed,
        g: MARK.generic,
        x: MARK.backendError,
        y: MARK.backendError,
      };
      r.pipeline.addSource('cam', r.source('a-d-u-m-g-x-y-b', markers));
      expectObservable(r.ids).toBe('10ms a 29ms b', self('ab'));
      flush();
      const s = r.pipeline.stats().sources[0];
      expect(s?.dropped).toMatchObject({
        decode_error: 1,
        unsupported_encoding: 1,
        malformed: 1,
        preprocess_error: 1,
        backend_error: 2,
      });
      expect(s).toMatchObject({ received: 8, published: 2, inferred: 2, droppedTotal: 6, inflight: 0 });
      expect(r.pipeline.stats().backend).toMatchObject({ errors: 2, batches: 4 });
      // One line per cause: the second backend error falls in the same 10 s window.
      expect(r.warnings).toEqual([
        "pipeline: source 'cam' dropped a frame (decode_error): cannot decode frame",
        "pipeline: source 'cam' dropped a frame (unsupported_encoding): encoding x is not supported",
        "pipeline: source 'cam' dropped a frame (malformed): step too small",
        "pipeline: source 'cam' dropped a frame (preprocess_error): boom",
        "pipeline: source 'cam' dropped a frame (backend_error): device fault",
      ]);
    });
  });

  it('writes the suppressed count when the window ends and at shutdown', () => {
    virtual(({ ts, rig, flush }) => {
      const r = rig({ queuePolicy: 'drop_newest', queueDepth: 8 });
      r.pipeline.addSource('cam', r.source('d-d-d 10s d-d', { d: MARK.decodeError }));
      ts.schedule(() => void r.pipeline.shutdown(), 20_000);
      flush();
      expect(r.warnings).toEqual([
        "pipeline: source 'cam' dropped a frame (decode_error): cannot decode frame",
        "pipeline: source 'cam' dropped a frame (decode_error): cannot decode frame (3 times in the last 10 s)",
        "pipeline: source 'cam' dropped a frame (decode_error): cannot decode frame (1 more times)",
      ]);
    });
  });

  it('treats a source error as the end of that source only', () => {
    virtual(({ rig, expectObservable, flush }) => {
      const r = rig({});
      r.pipeline.addSource('bad', r.source('#'));
      r.pipeline.addSource('good', r.source('--a'));
      expectObservable(r.ids).toBe('12ms a', self('a'));
      flush();
      expect(r.warnings).toEqual(["pipeline: source 'bad' failed: error"]);
      expect(r.pipeline.stats().sources.map((s) => [s.name, s.active])).toEqual([
        ['bad', false],
        ['good', true],
      ]);
    });
  });
});

describe('completion', () => {
  it('completes results after shutdown once the running call finishes', () => {
    virtual(({ ts, rig, expectObservable, flush }) => {
      const r = rig({ queuePolicy: 'drop_newest', queueDepth: 4, maxInflight: 1 });
      r.pipeline.addSource('cam', r.source('abc'));
      ts.schedule(() => void r.pipeline.shutdown({ timeoutMs: 50 }), 5);
      expectObservable(r.ids).toBe('10ms (a|)', self('a'));
      flush();
      // b and c were queued: both dropped at shutdown, unsent.
      expect(r.pipeline.stats().sources[0]).toMatchObject({
        published: 1,
        dropped: { shutdown: 2 },
        inflight: 0,
        queueDepth: 0,
      });
      expect(r.backend.calls).toHaveLength(1);
    });
  });

  it('cancels running calls when the shutdown timeout passes', () => {
    virtual(({ ts, rig, expectObservable, flush }) => {
      const r = rig(
        { maxInflight: 2, queuePolicy: 'drop_newest', queueDepth: 4 },
        new VirtualBackend(ts, 1, () => 100),
      );
      r.pipeline.addSource('cam', r.source('ab'));
      ts.schedule(() => void r.pipeline.shutdown({ timeoutMs: 20 }), 5);
      expectObservable(r.ids).toBe('25ms |');
      flush();
      expect(r.pipeline.stats().sources[0]).toMatchObject({
        received: 2,
        published: 0,
        dropped: { shutdown: 2 },
        inflight: 0,
      });
      expect(r.backend.running).toBe(0); // the cancelled calls were unsubscribed
    });
  });

  it('keeps publishing buffered frames after a source completes, and resolves drained()', () => {
    virtual(({ ts, rig, expectObservable, flush }) => {
      const r = rig({ queuePolicy: 'drop_newest', queueDepth: 4, maxInflight: 1 });
      r.pipeline.addSource('cam', r.source('(abc|)'));
      let drainedAt = -1;
      void r.pipeline.drained().then(() => (drainedAt = ts.now()));
      expectObservable(r.ids).toBe('10ms a 9ms b 9ms c', self('abc'));
      flush();
      expect(r.pipeline.stats().sources[0]).toMatchObject({ active: false, published: 3 });
      return Promise.resolve().then(() => expect(drainedAt).toBe(30));
    });
  });

  it('removeSource drops its buffered frames but lets its in-flight frame publish', () => {
    virtual(({ ts, rig, expectObservable, flush }) => {
      const r = rig({ queuePolicy: 'drop_newest', queueDepth: 4, maxInflight: 1 });
      r.pipeline.addSource('cam', r.source('abcd'));
      ts.schedule(() => r.pipeline.removeSource('cam'), 5);
      expectObservable(r.ids).toBe('10ms a', self('a'));
      flush();
      expect(r.pipeline.stats().sources[0]).toMatchObject({
        received: 4,
        published: 1,
        dropped: { source_removed: 3 },
      });
    });
  });
});

describe('runtime option changes', () => {
  it('shrinking the buffer drops the excess as queue_full and applies the new batch size', () => {
    virtual(({ ts, rig, flush }) => {
      const r = rig({ queuePolicy: 'drop_oldest', queueDepth: 6, maxInflight: 1 }, new VirtualBackend(ts, 4));
      r.pipeline.addSource('cam', r.source('(abcdef)'));
      ts.schedule(() => r.pipeline.updateOptions({ queueDepth: 2, maxBatch: 2 }), 1);
      const ids: string[] = [];
      r.pipeline.results.subscribe((c) => ids.push(c.header.frameId));
      flush();
      // a sent at 0; b..f queued. At 1 the depth becomes 2 (b, c, d dropped) and the batch 2: e+f go together at 10.
      expect(ids).toEqual(['a', 'e', 'f']);
      expect(r.backend.calls.map((c) => c.size)).toEqual([1, 2]);
      expect(r.pipeline.stats().sources[0]?.dropped.queue_full).toBe(3);
      expect(() => r.pipeline.updateOptions({ queuePolicy: 'fifo' as never })).toThrow(
        "invalid pipeline option queuePolicy: 'fifo' (must be one of latest, drop_oldest, drop_newest)",
      );
    });
  });
});
