import type { InferenceBackend } from '../../src/core/backend';
import { firstValueFrom, from, map, Subject, take, throwError, concat, toArray } from 'rxjs';
import type { ModelInput } from '../../src/core/preprocessing';
import { classifyFrames, type Frame, type PipelineBackend } from '../../src/pipeline';
import { fakePostprocess, fakePreprocess, frameAt, MARK } from './fakes';

/** Resolves every call on the next macrotask, as a backend on another thread would. */
class AsyncBackend implements PipelineBackend {
  readonly maxBatch = 2;
  infer(inputs: readonly ModelInput[]): Promise<Float32Array[]> {
    return new Promise((resolve) => setImmediate(() => resolve(inputs.map((i) => Float32Array.of(i.data[0] ?? 0)))));
  }
}

const deps = { backend: new AsyncBackend(), preprocess: fakePreprocess, postprocess: fakePostprocess };

describe('classifyFrames', () => {
  it('classifies every frame of a finite stream in order when the buffer is deep enough, then completes', async () => {
    const ids = 'abcdefghij'.split('');
    const frames = from(ids.map((id, k) => frameAt(id, 1000 + k)));
    const out = await firstValueFrom(
      frames.pipe(
        classifyFrames({
          options: { queuePolicy: 'drop_newest', queueDepth: 16, maxBatch: 2 },
          deps,
          sourceName: 'bag',
        }),
        map((r) => `${r.source}/${r.header.frameId}`),
        toArray(),
      ),
    );
    expect(out).toEqual(ids.map((id) => `bag/${id}`));
  });

  it('carries each frame payload, the same object, to its result, even with identical headers and drops', async () => {
    interface BagRef {
      readonly logTimeNs: bigint;
      readonly topic: string;
    }
    const refs: BagRef[] = [0n, 1n, 2n, 3n, 4n].map((logTimeNs) => ({ logTimeNs, topic: '/cam' }));
    // Same stamp and frame_id for all: only the payload tells the frames apart. Frame 2 fails to preprocess.
    const frames = from(
      refs.map((payload, k): Frame<BagRef> => ({
        ...frameAt('same', 1000, { marker: k === 2 ? MARK.decodeError : MARK.ok }),
        payload,
      })),
    );
    const results = await firstValueFrom(
      frames.pipe(classifyFrames<BagRef>({ options: { queuePolicy: 'drop_newest', queueDepth: 8 }, deps }), toArray()),
    );
    expect(results.map((r) => r.payload)).toEqual([refs[0], refs[1], refs[3], refs[4]]);
    results.forEach((r, i) => expect(r.payload).toBe([refs[0], refs[1], refs[3], refs[4]][i]));
  });

  it('passes an input error on after cancelling the work', async () => {
    const frames = concat(
      from([frameAt('a', 0)]),
      throwError(() => new Error('bag truncated')),
    );
    await expect(firstValueFrom(frames.pipe(classifyFrames({ options: {}, deps }), toArray()))).rejects.toThrow(
      'bag truncated',
    );
  });

  it('releases the input when the output is unsubscribed', async () => {
    const frames = new Subject<Frame>();
    const first = firstValueFrom(frames.pipe(classifyFrames({ options: {}, deps }), take(1)));
    frames.next(frameAt('a', 0, { marker: MARK.ok }));
    await expect(first).resolves.toMatchObject({ header: { frameId: 'a' } });
    expect(frames.observed).toBe(false);
  });

  it('rejects bad options at subscription', () => {
    expect(() =>
      from([])
        .pipe(classifyFrames({ options: { maxBatch: 0 }, deps }))
        .subscribe(),
    ).toThrow('invalid pipeline option maxBatch: 0 (must be an integer >= 1)');
  });
});

describe('the InferenceBackend port', () => {
  it('plugs in unchanged: a Promise-based backend with true batches', async () => {
    const batches: number[] = [];
    const backend: InferenceBackend = {
      kind: 'onnx',
      info: {
        modelName: 'fake',
        inputFormat: 'nv12',
        inputWidth: 1,
        inputHeight: 1,
        numClasses: 2,
        inputs: [],
        outputs: [],
      },
      maxBatch: 4,
      maxConcurrency: 1,
      infer: async (inputs) => {
        batches.push(inputs.length);
        return inputs.map(() => Float32Array.of(0.25, 0.75));
      },
      close: async () => undefined,
    };
    const frames = from('abcdefgh'.split('').map((id) => frameAt(id, 0)));
    const results = await firstValueFrom(
      frames.pipe(
        classifyFrames({
          options: {
            queuePolicy: 'drop_newest',
            queueDepth: 8,
            maxBatch: 8,
            maxInflight: 1,
            topK: 1,
            scoreThreshold: 0.8,
          },
          deps: { backend, preprocess: fakePreprocess, postprocess: fakePostprocess },
        }),
        toArray(),
      ),
    );
    // a goes at once (maxWaitMs 0); the rest gather while that call runs, in batches capped at the backend's 4.
    expect(batches).toEqual([1, 4, 3]);
    expect(results.map((r) => r.header.frameId).join('')).toBe('abcdefgh');
    expect(results[0]).toMatchObject({
      source: 'frames',
      topK: [{ classId: 0, label: 'c0', score: 0.25 }],
      unknown: true,
    });
  });
});
