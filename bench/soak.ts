/**
 * Soak with faults: frames through the real pipeline and the BPU backend on the libdnn emulator at zero latency, with
 * the emulator's fault injection (rejected task, failed task, hung task, allocation failure) switched on at random
 * task numbers. Afterwards: no live task or allocation in the emulator, every frame accounted for (published, or
 * dropped with a named cause), RSS growth after warm-up, and frames after the last fault still classified right.
 * `runSoak` is shared with the short version in test/soak.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Subject } from 'rxjs';
import { BpuBackend, BpuRuntimeError } from '../src/backends/bpu';
import { EmulatorProbe } from '../src/backends/bpu/libdnn';
import type { Classification } from '../src/core/classification';
import { softmax, topK } from '../src/core/postprocess';
import type { PreprocessSpec } from '../src/core/preprocessing';
import { packageRoot } from '../src/core/packageRoot';
import { setHeapGrowthForFrames } from '../src/runtime/heapGrowth';
import { preprocessRaw } from '../src/image';
import { createPipeline, type Frame, type PipelineBackend } from '../src/pipeline';
import type { BenchSection } from './types';

const SIZE = 224;
const CLASSES = 1000;
/** Frames after the last fault: the pipeline must still classify every one of them right. */
const CLEAN_TAIL = 200;
const WAIT_TIMEOUT_MS = 50;
const MAX_INFLIGHT = 2;

export const FAULT_KINDS = ['rejected', 'failed', 'hung', 'allocation'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface SoakOptions {
  readonly frames: number;
  readonly seed?: number;
  /** Frames before the RSS baseline is taken. */
  readonly warmupFrames?: number;
}

export interface SoakReport {
  readonly frames: number;
  readonly published: number;
  readonly dropped: Readonly<Record<string, number>>;
  /** Faults switched on (task numbers inside the run) and faults the backend reported, by kind. */
  readonly faultsPlanned: Readonly<Record<FaultKind, number>>;
  readonly faultsSeen: Readonly<Record<FaultKind, number>>;
  /** Emulator counters after the backend closed. */
  readonly liveTasks: number;
  readonly liveAllocations: number;
  readonly livePackedHandles: number;
  readonly cancelledTasks: number;
  readonly inferCalls: number;
  /** Memory at the end of warm-up, and at the end (after the pipeline shut down, before the backend closes). */
  readonly afterWarmup: MemorySample;
  readonly end: MemorySample;
  /**
   * Memory at every tenth of warm-up and of the rest: a leak climbs steadily; allocator and heap sizing level off
   * (which is what warm-up is for: the baseline is taken once they have).
   */
  readonly samples: readonly MemorySample[];
  /** Frames after the last fault, and how many of them got the class the emulator's model function gives. */
  readonly tail: number;
  readonly tailCorrect: number;
  readonly seconds: number;
}

function emulatorLibrary(): string {
  const root = packageRoot();
  const lib = path.join(root, 'build', 'native', 'libdnn_emulator.so');
  if (!fs.existsSync(lib)) execFileSync('make', ['-s', '-C', path.join(root, 'native')], { stdio: 'inherit' });
  process.env.HB_EMU_QUIET = '1';
  return lib;
}

/** mulberry32: a small seeded generator, so a soak's fault plan is reproducible from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FaultPlan {
  readonly reject: number[];
  readonly fail: number[];
  readonly hang: number[];
  /** The n-th allocation after loading: one of those that replace a hung task's buffers. */
  readonly allocation: number;
}

/** Distinct task numbers for each kind, spread over the run and none in the clean tail. */
function planFaults(frames: number, seed: number): FaultPlan {
  const next = random(seed);
  const last = Math.max(1, frames - CLEAN_TAIL);
  const used = new Set<number>();
  const pick = (count: number): number[] => {
    const out: number[] = [];
    while (out.length < count && used.size < last) {
      const task = 1 + Math.floor(next() * last);
      if (used.has(task)) continue;
      used.add(task);
      out.push(task);
    }
    return out.sort((a, b) => a - b);
  };
  const perKind = Math.max(2, Math.min(1000, Math.floor(frames / 250)));
  const hang = pick(Math.max(2, Math.floor(perKind / 10)));
  // Loading allocates 2 buffers per in-flight slot; every hung task's slot is retired and replaced (2 more).
  const allocation = 2 * MAX_INFLIGHT + 2 * Math.floor(next() * hang.length) + 1;
  return { reject: pick(perKind), fail: pick(perKind), hang, allocation };
}

function writeModel(dir: string, plan: FaultPlan): string {
  const file = path.join(dir, 'soak.emu.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      latencyUs: 0,
      cores: 1,
      input: { name: 'data', height: SIZE, width: SIZE },
      outputs: [{ name: 'output', type: 'F32', validShape: [1, CLASSES, 1, 1], logits: { high: 10, low: 0, step: 0 } }],
      faults: {
        rejectTasks: plan.reject.map((task) => ({ task, code: -6000007 })),
        failTasks: plan.fail.map((task) => ({ task, code: -6000012 })),
        hangTasks: plan.hang,
        failAllocation: plan.allocation,
      },
    }),
  );
  return file;
}

const SPEC: PreprocessSpec = {
  width: SIZE,
  height: SIZE,
  format: 'nv12',
  resize: { policy: 'stretch', interpolation: 'bilinear', padValue: 127, cropPct: 1 },
  mean: [0, 0, 0],
  std: [1, 1, 1],
};

/** A uniform grey frame, already NV12 at the model's size (the cheapest path through preprocessing). */
function grayFrame(level: number) {
  const data = new Uint8Array((SIZE * SIZE * 3) / 2).fill(128);
  data.fill(level, 0, SIZE * SIZE);
  return { kind: 'raw' as const, width: SIZE, height: SIZE, encoding: 'nv12', step: SIZE, data };
}

export interface MemorySample {
  /** Frames fed so far. */
  readonly frame: number;
  readonly rssMb: number;
  /** V8's heap: reserved (young generation included) and in use (live JS objects). */
  readonly heapTotalMb: number;
  readonly heapUsedMb: number;
  /** Memory outside V8's heap that it knows of: external (Buffers, native) and its ArrayBuffer part. */
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
}

/**
 * A full garbage collection, also where node runs without --expose-gc (jest): without it, RSS and heapUsed
 * include garbage that merely has not been collected yet, and the samples measure the collector's timing.
 */
const collectGarbage: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

async function memorySample(frame: number): Promise<MemorySample> {
  collectGarbage();
  // V8 frees ArrayBuffer memory on a background thread after the collection: let it finish, or the figures include
  // frames that are already garbage (tens of MB of them, at random).
  await new Promise((resolve) => setTimeout(resolve, 20));
  collectGarbage();
  const m = process.memoryUsage();
  const mb = (bytes: number): number => bytes / 2 ** 20;
  return {
    frame,
    rssMb: mb(m.rss),
    heapTotalMb: mb(m.heapTotal),
    heapUsedMb: mb(m.heapUsed),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
  };
}

/**
 * Counts the backend's failures by the fault they come from (the plan gives each kind its own runtime code), and
 * tells `onSettled` whenever a call ends, so the feeder knows when there is room.
 */
function countingBackend(
  backend: BpuBackend,
  seen: Record<FaultKind, number>,
  onSettled: (failed: boolean) => void,
): PipelineBackend {
  return {
    maxBatch: backend.maxBatch,
    infer: async (inputs) => {
      try {
        const result = await backend.infer(inputs);
        onSettled(false);
        return result;
      } catch (error) {
        const code = error instanceof BpuRuntimeError ? error.runtimeCode : 0;
        if (code === -6000007) seen.rejected++;
        else if (code === -6000012) seen.failed++;
        else if (code === -6000008) seen.hung++;
        onSettled(true);
        throw error;
      }
    },
  };
}

/** The emulator's model function on the luma plane of the NV12 model input (what the BPU sees). */
function expectedClassOf(input: { data: ArrayLike<number> }): number {
  let sum = 0;
  for (let i = 0; i < SIZE * SIZE; i++) sum += input.data[i] as number;
  return Math.floor((2 * sum * (CLASSES - 1) + 255 * SIZE * SIZE) / (2 * 255 * SIZE * SIZE));
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = performance.now();
  const libraryPath = emulatorLibrary();
  const probe = new EmulatorProbe(libraryPath);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgenext-soak-'));
  const plan = planFaults(options.frames, options.seed ?? 20261206);
  const allocationFailuresBefore = probe.counter('injected_allocation_failures');
  const backend = await BpuBackend.open({
    modelPath: writeModel(dir, plan),
    libraryPath,
    maxInflight: MAX_INFLIGHT,
    waitTimeoutMs: WAIT_TIMEOUT_MS,
  });
  const seen: Record<FaultKind, number> = { rejected: 0, failed: 0, hung: 0, allocation: 0 };
  let failedCalls = 0;
  let wake: (() => void) | undefined;
  const onSettled = (failed: boolean): void => {
    if (failed) failedCalls++;
    wake?.();
  };
  const labels = Array.from({ length: CLASSES }, (_, i) => `class ${i}`);
  const pipeline = createPipeline(
    { queuePolicy: 'drop_newest', queueDepth: 8, maxInflight: MAX_INFLIGHT, topK: 1 },
    {
      backend: countingBackend(backend, seen, onSettled),
      preprocess: (image) => preprocessRaw(image as ReturnType<typeof grayFrame>, SPEC),
      postprocess: (logits, k) => topK(softmax(logits), k, labels),
    },
  );
  const expected = new Map<number, number>();
  let published = 0;
  let tailCorrect = 0;
  const tailStart = options.frames - CLEAN_TAIL;
  pipeline.results.subscribe((result: Classification) => {
    published++;
    const index = result.header.stamp.sec;
    if (index >= tailStart && result.topK[0]?.classId === expected.get(index)) tailCorrect++;
    expected.delete(index);
    wake?.();
  });
  const frames = new Subject<Frame>();
  pipeline.addSource('soak', frames);
  const warmup = Math.min(options.warmupFrames ?? 30_000, Math.floor(options.frames / 3));
  let afterWarmup: MemorySample | undefined;
  const samples: MemorySample[] = [];
  const warmupEvery = Math.max(1, Math.floor(warmup / 10));
  const sampleEvery = Math.max(1, Math.floor((options.frames - warmup) / 10));
  const window = 6;
  for (let i = 0; i < options.frames; i++) {
    // Keep at most `window` frames unfinished: the queue never overflows, so every drop is a fault's.
    while (i - published - failedCalls >= window) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if (i === warmup) {
      afterWarmup = await memorySample(i);
      samples.push(afterWarmup);
    } else if (i < warmup ? i % warmupEvery === 0 : (i - warmup) % sampleEvery === 0)
      samples.push(await memorySample(i));
    const image = grayFrame(i % 256);
    if (i >= tailStart) expected.set(i, expectedClassOf(preprocessRaw(image, SPEC)));
    frames.next({ header: { stamp: { sec: i, nanosec: 0 }, frameId: 'soak' }, receiveTimeMs: Date.now(), image });
  }
  frames.complete();
  await pipeline.drained();
  const stats = pipeline.stats().sources[0];
  await pipeline.shutdown();
  const end = await memorySample(options.frames);
  await backend.close();
  seen.allocation = probe.counter('injected_allocation_failures') - allocationFailuresBefore;
  fs.rmSync(dir, { recursive: true, force: true });
  const dropped = Object.fromEntries(Object.entries(stats?.dropped ?? {}).filter(([, n]) => n > 0));
  return {
    frames: options.frames,
    published,
    dropped,
    faultsPlanned: { rejected: plan.reject.length, failed: plan.fail.length, hung: plan.hang.length, allocation: 1 },
    faultsSeen: seen,
    liveTasks: probe.counter('live_tasks'),
    liveAllocations: probe.counter('live_allocations'),
    livePackedHandles: probe.counter('live_packed_handles'),
    cancelledTasks: probe.counter('released_unfinished_tasks'),
    inferCalls: probe.counter('infer_calls'),
    afterWarmup: afterWarmup ?? end,
    end,
    samples,
    tail: CLEAN_TAIL,
    tailCorrect,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * V8 flags of the soak's own process. The young generation starts at its largest size (16 MB semi-spaces, V8's cap on
 * 64-bit): V8 doubles it whenever the bytes surviving its scavenges since the last doubling exceed its size, which in
 * this soak happened at random points up to frame ~50,000 (+8 MB, then +16 MB of RSS with the same heap in use) and
 * would be counted as growth by any fixed warm-up. Started at its cap, RSS is level after a few thousand frames.
 */
export const SOAK_NODE_FLAGS = ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16'] as const;

/**
 * Runs the soak in a child process of its own (this file): in the bench process the sections before it leave hundreds
 * of MB of heap and allocator state, whose settling the figures would measure instead of the soak.
 */
function soakInChild(frames: number): SoakReport {
  const stdout = execFileSync(process.execPath, [...SOAK_NODE_FLAGS, __filename, String(frames)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 2 ** 20,
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as SoakReport;
}

type Figure = 'rssMb' | 'heapTotalMb' | 'heapUsedMb' | 'externalMb';
const mb = (m: MemorySample, field: Figure): string => m[field].toFixed(1);
const series = (samples: readonly MemorySample[], field: Figure): string => samples.map((m) => mb(m, field)).join(', ');

export async function run(): Promise<BenchSection> {
  const frames = Number(process.env.SOAK_FRAMES ?? 100_000);
  const r = soakInChild(frames);
  const kinds = FAULT_KINDS.map((k) => `${k} ${r.faultsSeen[k]}/${r.faultsPlanned[k]}`).join(', ');
  const dropped =
    Object.entries(r.dropped)
      .map(([cause, n]) => `${cause} ${n}`)
      .join(', ') || 'none';
  const accounted = r.published + Object.values(r.dropped).reduce((a, b) => a + b, 0);
  const warm = r.samples.filter((m) => m.frame < r.afterWarmup.frame);
  const after = r.samples.filter((m) => m.frame > r.afterWarmup.frame);
  return {
    title: 'Soak with faults (BPU emulator, zero latency)',
    markdown: [
      `${r.frames} grey NV12 frames through the pipeline (drop_newest, depth 8, at most 6 unfinished, ${MAX_INFLIGHT} in flight)`,
      `and the BPU backend on the libdnn emulator at 0 µs latency, with its fault injection switched on at random task`,
      `numbers (seeded): rejected tasks, failed tasks, hung tasks (cut after ${WAIT_TIMEOUT_MS} ms and cancelled) and one`,
      `allocation failure while a hung task's buffers are replaced (counted by the emulator; the other faults as the backend reported them). Live counts are the emulator's after the backend closed.`,
      '',
      `Run in a process of its own (node ${SOAK_NODE_FLAGS.join(' ')}: the young generation at its full size from the`,
      `start, see bench/soak.ts), memory read after a full garbage collection, at every tenth of warm-up`,
      `(${r.afterWarmup.frame} frames) and of the rest. A leak climbs steadily; allocator and heap sizing level off.`,
      '',
      `- warm-up: RSS ${series(warm, 'rssMb')} MB; heap total ${series(warm, 'heapTotalMb')} MB;`,
      `  heap used ${series(warm, 'heapUsedMb')} MB; external ${series(warm, 'externalMb')} MB`,
      `- after: RSS ${series(after, 'rssMb')} MB; heap total ${series(after, 'heapTotalMb')} MB;`,
      `  heap used ${series(after, 'heapUsedMb')} MB; external ${series(after, 'externalMb')} MB`,
      '',
      `A hung task's buffers (${(((SIZE * SIZE * 3) / 2 + CLASSES * 4) / 1024).toFixed(0)} KB) stay retired until the backend closes (the BPU might still write`,
      `into them): ${r.faultsPlanned.hung} hung tasks in this run, part of the growth (external grows by about as much).`,
      '',
      '| frames | published | dropped by cause | accounted | faults seen/injected | live tasks | live allocations | RSS after warm-up → end | heap used after warm-up → end | last 200 frames right | time |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      `| ${r.frames} | ${r.published} | ${dropped} | ${accounted}/${r.frames} | ${kinds} | ${r.liveTasks} | ${r.liveAllocations} | ${mb(r.afterWarmup, 'rssMb')} → ${mb(r.end, 'rssMb')} MB | ${mb(r.afterWarmup, 'heapUsedMb')} → ${mb(r.end, 'heapUsedMb')} MB | ${r.tailCorrect}/${r.tail} | ${r.seconds.toFixed(1)} s |`,
    ].join('\n'),
  };
}

if (require.main === module) {
  // The heap setting the node and the CLI run with (as bench/run.ts gives the other sections).
  setHeapGrowthForFrames();
  runSoak({ frames: Number(process.argv[2] ?? 100_000) })
    .then((report) => process.stdout.write(`${JSON.stringify(report)}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
