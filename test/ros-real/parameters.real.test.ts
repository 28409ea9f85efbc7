/**
 * Parameters and launch arguments on the real graph: a params file keyed by the bare node name, a namespace, a
 * remapped camera, `ros2 param set` accepted live and refused with the project's reasons, and the BPU backend (the
 * libdnn emulator) chosen by launch arguments.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES } from '../support/paths';
import { makeTestFrames, type TestFrame } from './support/frames';
import { LaunchedNode } from './support/launchNode';
import { ros2, runProbe } from './support/probe';
import { loadRosContext } from './support/rosContext';

const DOMAIN = 83;
const REPO = path.resolve(__dirname, '../..');
const context = loadRosContext();
let launched: LaunchedNode | undefined;
let dir = '';
let frame: TestFrame;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgenext-ros-params-'));
  frame = (await makeTestFrames(path.join(FIXTURES, 'images', 'goldfish.JPEG'), dir)).find(
    (f) => f.name === 'bgr8',
  ) as TestFrame;
});

afterEach(async () => {
  await launched?.kill();
  launched = undefined;
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function paramsFile(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Publishes one frame on `topic` and returns the result read on `resultTopic`. */
async function classifyOne(topic: string, resultTopic: string, frameId: string) {
  const result = await runProbe(context, DOMAIN, {
    subscribe: [{ topic: resultTopic, type: 'edgenext/msg/Classification', count: 1 }],
    publish: [
      {
        topic,
        type: 'sensor_msgs/msg/Image',
        messages: [{ header: { stamp: { sec: 1_700_000_000, nanosec: 0 }, frame_id: frameId }, ...frame.fields }],
      },
    ],
    timeout_s: 20,
  });
  return result.received[resultTopic]?.[0] as { labels: string[]; backend: string; model_name: string };
}

describe('parameters on the real graph', () => {
  it('applies a params file keyed by the bare node name, a namespace and a remap; ros2 param set live and refused', async () => {
    const file = paramsFile('cam.yaml', 'cam_classifier:\n  ros__parameters:\n    top_k: 2\n    max_age_ms: 0\n');
    launched = new LaunchedNode(context, {
      domainId: DOMAIN,
      args: { params_file: file, node_name: 'cam_classifier', namespace: 'robot', image_topic: '/front/image_raw' },
    });
    await launched.ready();
    const results = '/robot/cam_classifier/classification';
    expect((await classifyOne('/front/image_raw', results, 'a')).labels).toHaveLength(2);

    const set = (name: string, value: string) =>
      ros2(context, DOMAIN, ['param', 'set', '/robot/cam_classifier', name, value]);
    expect((await set('top_k', '3')).output.trim()).toBe('Set parameter successful');
    expect((await classifyOne('/front/image_raw', results, 'b')).labels).toHaveLength(3);

    const refusals = await Promise.all([
      set('top_k', '0'),
      set('score_threshold', '1.5'),
      set('score_threshold', '1'),
      set('model', 'xx_small'),
    ]);
    expect(refusals.map((r) => r.output.trim())).toEqual([
      'Setting parameter failed: parameter top_k = 0 is out of range [1, 100]',
      'Setting parameter failed: parameter score_threshold = 1.5 is out of range [0, 1]',
      'Setting parameter failed: parameter score_threshold must be double, got integer (write doubles with a decimal point, e.g. 1.0)',
      'Setting parameter failed: parameter model is read-only while the node runs: restart the node with the new value ' +
        '(-p model:=<value>, the params file, or the launch argument)',
    ]);
    const got = await ros2(context, DOMAIN, ['param', 'get', '/robot/cam_classifier', 'top_k']);
    expect(got.output.trim()).toBe('Integer value is: 3');
    // The descriptor still tells the range and that model is read-only.
    const described = await ros2(context, DOMAIN, ['param', 'describe', '/robot/cam_classifier', 'model']);
    expect(described.output).toMatch(/Read only: true/i);
  });

  it('runs on the BPU backend (the libdnn emulator) chosen by launch arguments', async () => {
    const library = path.join(REPO, 'build/native/libdnn_emulator.so');
    const model = path.join(REPO, 'native/models/EdgeNeXt_xx_small_224x224_nv12.emu.json');
    expect(fs.existsSync(library)).toBe(true);
    const file = paramsFile('bpu.yaml', `/**:\n  ros__parameters:\n    bpu_library: '${library}'\n`);
    launched = new LaunchedNode(context, { domainId: DOMAIN, args: { params_file: file, backend: 'bpu', model } });
    await launched.ready();
    const result = await classifyOne('/image', '/classifier/classification', 'bpu');
    expect(result.backend).toBe('bpu');
    expect(result.model_name).toMatch(/EdgeNeXt_xx_small/);
    expect(result.labels).toHaveLength(5);
  });
});
