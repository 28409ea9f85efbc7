/**
 * Stopping while frames arrive at full rate and BPU tasks are in flight, and while tasks hang: on the real graph,
 * with the node on the libdnn emulator, whose exit report (HB_EMU_EXIT_REPORT) shows what the process left alive.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES } from '../support/paths';
import { makeTestFrames, type TestFrame } from './support/frames';
import { LaunchedNode, waitForExit } from './support/launchNode';
import { runProbe } from './support/probe';
import { loadRosContext } from './support/rosContext';

const DOMAIN = 85;
const REPO = path.resolve(__dirname, '../..');
const EMULATOR = path.join(REPO, 'build/native/libdnn_emulator.so');
const context = loadRosContext();
let launched: LaunchedNode | undefined;
let dir = '';
let frame: TestFrame;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgenext-ros-load-'));
  frame = (await makeTestFrames(path.join(FIXTURES, 'images', 'goldfish.JPEG'), dir, 640, 480)).find(
    (f) => f.name === 'bgr8',
  ) as TestFrame;
});

afterEach(async () => {
  await launched?.kill();
  launched = undefined;
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface ExitReport {
  live_allocations: number;
  live_tasks: number;
  live_packed_handles: number;
  infer_calls: number;
}

/** A copy of the zoo-like emulator model with a slower task (so tasks are in flight) and optional hangs. */
function emulatorModel(name: string, hangFromTask: number | undefined): string {
  const model = JSON.parse(
    fs.readFileSync(path.join(REPO, 'native/models/EdgeNeXt_xx_small_224x224_nv12.emu.json'), 'utf8'),
  ) as Record<string, unknown>;
  model.latencyUs = 15000;
  if (hangFromTask !== undefined) {
    // The emulator takes at most 16 fault entries: 16 hung tasks in a row, about 8 s at 2 in flight and 1 s timeouts.
    model.faults = { hangTasks: Array.from({ length: 16 }, (_, i) => hangFromTask + i) };
  }
  const file = path.join(dir, `${name}.emu.json`);
  fs.writeFileSync(file, JSON.stringify(model));
  return file;
}

async function stopUnderLoad(how: 'SIGINT to launch' | 'SIGTERM to the node', hangFromTask?: number) {
  const report = path.join(dir, `exit-${Date.now()}.json`);
  const params = path.join(dir, 'load.yaml');
  fs.writeFileSync(
    params,
    `/**:\n  ros__parameters:\n    bpu_library: '${EMULATOR}'\n    max_inflight: 2\n    diagnostics_period: 0.2\n`,
  );
  launched = new LaunchedNode(context, {
    domainId: DOMAIN,
    args: { params_file: params, backend: 'bpu', model: emulatorModel('load', hangFromTask) },
    env: { HB_EMU_EXIT_REPORT: report, HB_EMU_QUIET: '1' },
  });
  await launched.ready();
  const node = launched;
  const pids = node.processes();
  if (pids.launch === undefined || pids.node === undefined) throw new Error(`no processes:\n${node.output}`);
  // 60 frames/s for 4 s; the signal comes after 2 s, while frames arrive and tasks run (or hang).
  const probe = runProbe(context, DOMAIN, {
    subscribe: [{ topic: '/classifier/classification', type: 'edgenext/msg/Classification' }],
    publish: [
      {
        topic: '/image',
        type: 'sensor_msgs/msg/Image',
        period_s: 1 / 60,
        messages: Array.from({ length: 240 }, (_, i) => ({
          header: { stamp: { sec: 1_700_000_000, nanosec: i }, frame_id: `f${i}` },
          ...frame.fields,
        })),
      },
    ],
    linger_s: 1,
    timeout_s: 30,
  });
  // The probe must end before the test does, whatever fails (it reads files the test removes afterwards).
  const probeResult = probe.then(
    (r) => r.received['/classifier/classification'] ?? [],
    (error: unknown) => error,
  );
  let exitMs: number;
  try {
    await new Promise((resolve) => setTimeout(resolve, 2500));
    if (how === 'SIGINT to launch') process.kill(pids.launch, 'SIGINT');
    else process.kill(pids.node, 'SIGTERM');
    exitMs = await waitForExit(pids.node, 2000);
    await node.waitForOutput(/process has finished cleanly|process has died/, 5000);
  } finally {
    await probeResult;
  }
  const received = await probeResult;
  if (!Array.isArray(received)) throw received;
  const summary = /stopped: (\d+) frames received, (\d+) results published/.exec(node.output);
  return {
    exitMs,
    output: node.output,
    published: Number(summary?.[2] ?? -1),
    received: received.length,
    report: JSON.parse(fs.readFileSync(report, 'utf8')) as ExitReport,
  };
}

describe('stopping under load on the BPU emulator', () => {
  it.each(['SIGINT to launch', 'SIGTERM to the node'] as const)(
    '%s while frames arrive and tasks are in flight: exit 0 within 2 s, last results published, nothing leaked',
    async (how) => {
      const run = await stopUnderLoad(how);
      expect(run.output).toMatch(/process has finished cleanly/);
      expect(run.report).toMatchObject({ live_allocations: 0, live_tasks: 0, live_packed_handles: 0 });
      expect(run.report.infer_calls).toBeGreaterThan(20);
      // Every result the node published before it stopped reached the subscriber.
      expect(run.published).toBeGreaterThan(20);
      expect(run.received).toBe(run.published);
      process.stderr.write(`under load, ${how}: node gone after ${run.exitMs} ms, ${run.published} results\n`);
    },
  );

  it('SIGINT to launch while BPU tasks hang: exit 0 within 2 s, the hung tasks released', async () => {
    const run = await stopUnderLoad('SIGINT to launch', 30);
    expect(run.output).toMatch(/process has finished cleanly/);
    expect(run.report).toMatchObject({ live_allocations: 0, live_tasks: 0, live_packed_handles: 0 });
    // The hung tasks' frames are counted as backend errors in the stop summary.
    expect(run.output).toMatch(/stopped: \d+ frames received, \d+ results published, dropped: .*backend_error [1-9]/);
    process.stderr.write(`tasks hung, SIGINT to launch: node gone after ${run.exitMs} ms\n`);
  });
});
