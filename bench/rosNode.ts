/**
 * The ROS node's own CPU cost per camera frame on a real ROS 2 graph: `node dist/src/ros/main.js` with the BPU
 * emulator at zero latency (inference costs nothing, so what remains is the node: transport, decode, preprocess,
 * results, diagnostics) against a bare rclnodejs raw subscriber on the same topic, both fed 1280x720 bgr8 at 30 Hz
 * by an rclpy publisher (best effort, Cyclone with config/cyclonedds.xml's receive buffer). CPU is utime + stime
 * from /proc/<pid>/stat, per frame each process received. Target: node - bare <= 1 ms per frame.
 *
 * Needs ROS 2 sourced (with the edgenext overlay's install/setup.bash, for the node's messages) and
 * EDGENEXT_RCLNODEJS_DIR pointing at an rclnodejs 2.2.0 built against it; skips with one line otherwise.
 * EDGENEXT_BENCH_ROS_WINDOW_S (default 15) and EDGENEXT_BENCH_ROS_REPEATS (default 5) shorten a trial run. Five
 * runs of 15 s: one run's figure varies by about ±0.25 ms on the 2-core test machine.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { median } from '../src/core/percentile';
import { packageRoot } from '../src/core/packageRoot';
import type { BenchSection } from './types';

const TITLE = 'ROS node CPU per frame on a real ROS 2 graph (1280x720 bgr8, 30 Hz)';
const TOPIC = '/bench/image';
const WIDTH = 1280;
const HEIGHT = 720;
const RATE_HZ = 30;
/** A DDS domain of its own, so the bench never meets a test's nodes. */
const DOMAIN_ID = '66';
const WARMUP_S = 4;
const TARGET_MS = 1;
const MODEL_FILE = 'EdgeNeXt_xx_small_224x224_nv12.emu.json';

interface Sample {
  readonly atMs: number;
  /** Frames the process had received when it printed the line. */
  readonly frames: number;
  /** utime + stime in clock ticks, read when the line arrived. */
  readonly cpuTicks: number;
}

interface WindowResult {
  readonly frames: number;
  readonly framesPerSecond: number;
  readonly msCpuPerFrame: number;
}

function skipReason(): string | undefined {
  if (process.env.ROS_DISTRO === undefined) {
    return 'ROS 2 is not sourced (source /opt/ros2/ros2-env.sh and the edgenext overlay install/setup.bash)';
  }
  const dir = process.env.EDGENEXT_RCLNODEJS_DIR;
  if (dir === undefined || !fs.existsSync(path.join(dir, 'package.json'))) {
    return 'rclnodejs not found: set EDGENEXT_RCLNODEJS_DIR to an rclnodejs 2.2.0 built against the sourced ROS 2';
  }
  return undefined;
}

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

interface ChildSpec {
  readonly name: string;
  readonly command: string;
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
  /** A stdout line reporting a frame count (group 1); none: the child's output is not sampled. */
  readonly countLine?: RegExp;
  /** Whose CPU a count line is paired with. Default: the child's own. */
  readonly cpuPid?: number;
  /** SIGINT for children that stop cleanly on it; SIGTERM for those without a handler. */
  readonly stopSignal: NodeJS.Signals;
}

/** A child whose stdout lines report a frame count; each such line is paired with a CPU reading at that moment. */
class SampledChild {
  readonly samples: Sample[] = [];
  readonly name: string;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #stopSignal: NodeJS.Signals;
  #stderr = '';

  constructor(spec: ChildSpec) {
    this.name = spec.name;
    this.#stopSignal = spec.stopSignal;
    this.#child = spawn(spec.command, spec.args, { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.#child.pid === undefined) throw new Error(`bench/rosNode: could not start ${spec.name}`);
    this.pid = this.#child.pid;
    const cpuPid = spec.cpuPid ?? this.pid;
    const countLine = spec.countLine;
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      const match = countLine?.exec(line);
      if (match === undefined || match === null) return;
      try {
        this.samples.push({ atMs: performance.now(), frames: Number(match[1]), cpuTicks: cpuTicks(cpuPid) });
      } catch {
        // The measured process ended between the line and the read: no sample.
      }
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
  }

  get exited(): boolean {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  get stderrTail(): string {
    return this.#stderr.trim().split('\n').slice(-5).join('\n');
  }

  /** The child's own stop signal first (clean exit), SIGKILL after 3 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.kill(this.#stopSignal);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
    await done;
    clearTimeout(timer);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** First sample at or after `fromMs`, and the first one `windowMs` after it. */
function window(samples: readonly Sample[], fromMs: number, windowMs: number): [Sample, Sample] | undefined {
  const start = samples.find((s) => s.atMs >= fromMs);
  const end = start && samples.find((s) => s.atMs >= start.atMs + windowMs);
  return start && end ? [start, end] : undefined;
}

function summarize([start, end]: [Sample, Sample], tickMs: number): WindowResult {
  const frames = end.frames - start.frames;
  if (frames <= 0) throw new Error('bench/rosNode: no frames received during the window');
  return {
    frames,
    framesPerSecond: (frames * 1000) / (end.atMs - start.atMs),
    msCpuPerFrame: ((end.cpuTicks - start.cpuTicks) * tickMs) / frames,
  };
}

function prepare(dir: string, root: string, rclDir: string): { params: string; nodePath: string } {
  // The node imports 'rclnodejs' by name: a node_modules folder holding a link to the given build.
  const nodePath = path.join(dir, 'node_modules');
  fs.mkdirSync(nodePath);
  fs.symlinkSync(path.resolve(rclDir), path.join(nodePath, 'rclnodejs'));
  const model = JSON.parse(fs.readFileSync(path.join(root, 'native', 'models', MODEL_FILE), 'utf8')) as object;
  // latencyUs 0: the emulated inference completes at once (native/README.md), so it adds no cost to the figure.
  fs.writeFileSync(path.join(dir, MODEL_FILE), JSON.stringify({ ...model, latencyUs: 0 }));
  const params = path.join(dir, 'params.yaml');
  fs.writeFileSync(
    params,
    [
      '/**:',
      '  ros__parameters:',
      '    backend: bpu',
      `    bpu_library: '${path.join(root, 'build', 'native', 'libdnn_emulator.so')}'`,
      `    model: '${path.join(dir, MODEL_FILE)}'`,
      `    image_topics: ['${TOPIC}']`,
      '    diagnostics_period: 1.0',
      '',
    ].join('\n'),
  );
  return { params, nodePath };
}

async function measureOnce(
  root: string,
  rclDir: string,
  windowS: number,
): Promise<{ node: WindowResult; bare: WindowResult }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgenext-bench-ros-'));
  const { params, nodePath } = prepare(dir, root, rclDir);
  const cyclone = `file://${path.join(root, 'config', 'cyclonedds.xml')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ROS_DOMAIN_ID: DOMAIN_ID,
    // Appended to a config ros2-env.sh may have set (unicast discovery where lo has no multicast).
    CYCLONEDDS_URI: process.env.CYCLONEDDS_URI ? `${process.env.CYCLONEDDS_URI},${cyclone}` : cyclone,
    HB_EMU_QUIET: '1',
  };
  const tickMs = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const benchDir = path.join(root, 'bench', 'ros');
  const children: SampledChild[] = [];
  const start = (spec: ChildSpec): SampledChild => {
    const child = new SampledChild(spec);
    children.push(child);
    return child;
  };
  try {
    start({
      name: 'rclpy publisher',
      command: 'python3',
      args: [path.join(benchDir, 'imagePublisher.py'), TOPIC, String(WIDTH), String(HEIGHT), String(RATE_HZ)],
      env,
      stopSignal: 'SIGINT',
    });
    const node = start({
      name: 'edgenext node',
      command: process.execPath,
      args: [path.join(root, 'dist', 'src', 'ros', 'main.js'), '--ros-args', '--params-file', params],
      env: { ...env, NODE_PATH: nodePath },
      stopSignal: 'SIGINT',
    });
    // The node's frame count comes from its /diagnostics, read by an observer whose lines are paired with the
    // NODE's CPU.
    const observer = start({
      name: 'diagnostics observer',
      command: process.execPath,
      args: [path.join(benchDir, 'diagnosticsObserver.cjs'), rclDir],
      env,
      countLine: /^received (\d+)$/,
      cpuPid: node.pid,
      stopSignal: 'SIGTERM',
    });
    const bare = start({
      name: 'bare raw subscriber',
      command: process.execPath,
      args: [path.join(benchDir, 'bareSubscriber.cjs'), rclDir, TOPIC],
      env,
      countLine: /^count (\d+)$/,
      stopSignal: 'SIGTERM',
    });

    const startedMs = performance.now();
    const deadline = startedMs + (WARMUP_S + windowS + 60) * 1000;
    // Warm-up counts from the first frame each process reported.
    for (;;) {
      for (const c of children) {
        if (c.exited) throw new Error(`bench/rosNode: ${c.name} exited early:\n${c.stderrTail}`);
      }
      const nodeWindow = firstFrameWindow(observer.samples, WARMUP_S, windowS);
      const bareWindow = firstFrameWindow(bare.samples, WARMUP_S, windowS);
      if (nodeWindow && bareWindow) return { node: summarize(nodeWindow, tickMs), bare: summarize(bareWindow, tickMs) };
      if (performance.now() > deadline) {
        throw new Error(
          `bench/rosNode: no complete ${windowS} s window (node samples ${observer.samples.length}, bare samples ` +
            `${bare.samples.length}); node stderr:\n${node.stderrTail}`,
        );
      }
      await sleep(200);
    }
  } finally {
    // The node and the publisher stop cleanly on SIGINT; the subscribers have no handler and end on SIGTERM.
    await Promise.all(children.map((c) => c.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function firstFrameWindow(samples: readonly Sample[], warmupS: number, windowS: number): [Sample, Sample] | undefined {
  const first = samples.find((s) => s.frames > 0);
  return first && window(samples, first.atMs + warmupS * 1000, windowS * 1000);
}

function row(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `${(sorted[0] ?? 0).toFixed(2)} | ${median(values).toFixed(2)} | ${(sorted[sorted.length - 1] ?? 0).toFixed(2)}`;
}

export async function run(): Promise<BenchSection> {
  const skip = skipReason();
  if (skip !== undefined) return { title: TITLE, markdown: `Skipped: ${skip}.` };
  const rclDir = process.env.EDGENEXT_RCLNODEJS_DIR as string;
  const root = packageRoot();
  const windowS = Number(process.env.EDGENEXT_BENCH_ROS_WINDOW_S ?? 15);
  const repeats = Number(process.env.EDGENEXT_BENCH_ROS_REPEATS ?? 5);
  const runs: Array<{ node: WindowResult; bare: WindowResult; load: number }> = [];
  for (let i = 0; i < repeats; i++) {
    // A busy host inflates CPU per frame (cache and scheduler effects): the load is part of the figure.
    const load = os.loadavg()[0] ?? 0;
    const r = { ...(await measureOnce(root, rclDir, windowS)), load };
    process.stderr.write(
      `bench/rosNode: run ${i + 1}: node ${r.node.msCpuPerFrame.toFixed(2)} ms/frame (${r.node.framesPerSecond.toFixed(1)}/s), ` +
        `bare ${r.bare.msCpuPerFrame.toFixed(2)} ms/frame (${r.bare.framesPerSecond.toFixed(1)}/s)\n`,
    );
    runs.push(r);
  }
  const own = runs.map((r) => r.node.msCpuPerFrame - r.bare.msCpuPerFrame);
  const ownMedian = median(own);
  const markdown = [
    `The node (\`node dist/src/ros/main.js\`, backend bpu on the libdnn emulator at latency 0, so inference costs`,
    'nothing) and a bare rclnodejs subscriber (`isRaw: true`, counts frames) on the same topic, fed',
    `${WIDTH}x${HEIGHT} bgr8 at ${RATE_HZ} Hz by an rclpy publisher (best effort; Cyclone DDS with`,
    'config/cyclonedds.xml for every process). CPU = utime + stime from /proc/<pid>/stat over a',
    `${windowS} s window after ${WARMUP_S} s of warm-up, divided by the frames each process received in it (the node's`,
    `count from its /diagnostics). ${repeats} runs, fresh processes each; ROS ${process.env.ROS_DISTRO},`,
    `rmw ${process.env.RMW_IMPLEMENTATION ?? 'default'}, Node ${process.version}.`,
    '',
    '| run | load avg (1 min) | node frames/s | node ms CPU/frame | bare frames/s | bare ms CPU/frame | node own ms/frame |',
    '|---|---|---|---|---|---|---|',
    ...runs.map(
      (r, i) =>
        `| ${i + 1} | ${r.load.toFixed(1)} | ${r.node.framesPerSecond.toFixed(1)} | ${r.node.msCpuPerFrame.toFixed(2)} | ` +
        `${r.bare.framesPerSecond.toFixed(1)} | ${r.bare.msCpuPerFrame.toFixed(2)} | ${(own[i] ?? 0).toFixed(2)} |`,
    ),
    '',
    '| ms CPU per frame | min | median | max |',
    '|---|---|---|---|',
    `| node | ${row(runs.map((r) => r.node.msCpuPerFrame))} |`,
    `| bare raw subscriber | ${row(runs.map((r) => r.bare.msCpuPerFrame))} |`,
    `| node own (node - bare) | ${row(own)} |`,
    '',
    `Target: node own <= ${TARGET_MS} ms per frame: ${ownMedian <= TARGET_MS ? 'met' : 'NOT met'} (median ${ownMedian.toFixed(2)} ms).`,
  ].join('\n');
  return { title: TITLE, markdown };
}

if (require.main === module) {
  run()
    .then((s) => console.log(`## ${s.title}\n\n${s.markdown}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
