/**
 * launch/classify.launch.py (evaluated by python3 with the stand-ins of test/ros/launch_stubs), the command line that
 * launch_ros builds from it fed to the node on the double, the lib/edgenext/classify wrapper, and the Cyclone config.
 */
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RosEdgenextClassification } from '../../src/messages';
import { REPO_ROOT, startHarness, stampOf } from './support/harness';
import { uniformFrame } from './support/frames';

const LAUNCH_FILE = path.join(REPO_ROOT, 'launch/classify.launch.py');
const STUBS = path.join(REPO_ROOT, 'test/ros/launch_stubs');

type LaunchParameter =
  { file: string } | { name: string; value: unknown; value_type: string | null } | { dict: unknown };
interface LaunchedNode {
  package: string;
  executable: string;
  name: string;
  namespace: string;
  parameters: LaunchParameter[];
  remappings: Array<[string, string]>;
  kwargs: { additional_env?: Record<string, string>; output?: string };
}

function python(args: string[], env: Record<string, string> = {}): string {
  const result = spawnSync('python3', args, {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: STUBS, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
  if (result.status !== 0) throw new Error(`python3 ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

function launch(
  args: Record<string, string> = {},
  share = '/opt/ros/humble/share/edgenext',
): {
  nodes: LaunchedNode[];
  arguments: Record<string, { default: string }>;
  on_shutdown: Array<{ signal: number; node: string | null }>;
} {
  const out = python(
    [path.join(STUBS, 'run_launch.py'), LAUNCH_FILE, ...Object.entries(args).map(([k, v]) => `${k}:=${v}`)],
    {
      EDGENEXT_TEST_SHARE: share,
    },
  );
  return JSON.parse(out) as ReturnType<typeof launch>;
}

/**
 * The command line launch_ros builds for a Node action (docs/ros2-integration.md §7.1):
 * `--ros-args -r __node:=<name> -r __ns:=<ns> --params-file <f> -p <n>:=<yaml> -r <from>:=<to>`.
 */
function launchRosArgv(node: LaunchedNode): string[] {
  const argv = ['node', 'main.js', '--ros-args', '-r', `__node:=${node.name}`];
  if (node.namespace !== '') argv.push('-r', `__ns:=/${node.namespace.replace(/^\//, '')}`);
  for (const p of node.parameters) {
    if ('file' in p) argv.push('--params-file', p.file);
    else if ('name' in p) argv.push('-p', `${p.name}:=${JSON.stringify(p.value)}`);
    else throw new Error('dict parameters are keyed /<ns>/<name> by launch_ros and ignored by rclnodejs');
  }
  for (const [from, to] of node.remappings) argv.push('-r', `${from}:=${to}`);
  return argv;
}

describe('launch/classify.launch.py', () => {
  it('compiles', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'pycache-'));
    const result = spawnSync('python3', ['-m', 'py_compile', LAUNCH_FILE], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPYCACHEPREFIX: cache },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('by default starts lib/edgenext/classify as "classifier" with the shipped params file and image:=/image', () => {
    const { nodes, arguments: args } = launch();
    expect(Object.keys(args).sort()).toEqual(
      [
        'backend',
        'image_topic',
        'image_topics',
        'model',
        'namespace',
        'node_name',
        'params_file',
        'use_cyclone_config',
        'use_sim_time',
      ].sort(),
    );
    expect(nodes).toHaveLength(1);
    const [node] = nodes;
    expect(node).toMatchObject({ package: 'edgenext', executable: 'classify', name: 'classifier', namespace: '' });
    expect(node?.parameters).toEqual([
      { file: '/opt/ros/humble/share/edgenext/config/classify.yaml' },
      { name: 'use_sim_time', value: false, value_type: null },
    ]);
    expect(node?.remappings).toEqual([['image', '/image']]);
    expect(node?.kwargs.additional_env).toEqual({});
    expect(node?.kwargs.output).toBe('screen');
  });

  it('sends the node SIGINT on any launch shutdown (Humble forwards none when launch runs in a terminal)', () => {
    expect(launch({ node_name: 'cam_classifier' }).on_shutdown).toEqual([{ signal: 2, node: 'cam_classifier' }]);
  });

  it('passes model, backend, topics, namespace, node name and the Cyclone config as launch arguments, never as dict parameters', () => {
    const { nodes } = launch({
      model: 'xx_small',
      backend: 'bpu',
      params_file: '/etc/edgenext/robot.yaml',
      image_topic: '/front/image_raw',
      image_topics: '/cam0/image_raw, /cam1/image_raw/compressed',
      namespace: 'robot',
      node_name: 'front_classifier',
      use_cyclone_config: 'true',
      use_sim_time: 'true',
    });
    const [node] = nodes;
    expect(node).toMatchObject({ name: 'front_classifier', namespace: 'robot' });
    expect(node?.parameters).toEqual([
      { file: '/etc/edgenext/robot.yaml' },
      { name: 'model', value: 'xx_small', value_type: 'str' },
      { name: 'backend', value: 'bpu', value_type: 'str' },
      { name: 'image_topics', value: ['/cam0/image_raw', '/cam1/image_raw/compressed'], value_type: null },
      { name: 'use_sim_time', value: true, value_type: null },
    ]);
    expect(node?.parameters.some((p) => 'dict' in p)).toBe(false);
    expect(node?.remappings).toEqual([['image', '/front/image_raw']]);
    expect(node?.kwargs.additional_env).toEqual({
      CYCLONEDDS_URI: 'file:///opt/ros/humble/share/edgenext/config/cyclonedds.xml',
    });
  });

  it('a single compressed camera (image_topic ending in /compressed) is subscribed as CompressedImage', async () => {
    const [launched] = launch({ image_topic: '/front/image_raw/compressed' }, REPO_ROOT).nodes;
    if (launched === undefined) throw new Error('no node');
    expect(launched.remappings).toEqual([['image/compressed', '/front/image_raw/compressed']]);
    const h = await startHarness({ argv: launchRosArgv(launched) });
    try {
      expect(h.node.cameraTopics).toEqual(['/front/image_raw/compressed']);
      const results = h.double.graph.probe<RosEdgenextClassification>(
        '/classifier/classification',
        'edgenext/msg/Classification',
      );
      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 0, g: 255, b: 0 } } })
        .png()
        .toBuffer();
      h.double.graph
        .publisher('/front/image_raw/compressed', 'sensor_msgs/msg/CompressedImage')
        .publish({ header: { stamp: stampOf(4), frame_id: 'front' }, format: 'png', data: new Uint8Array(png) });
      expect((await results.waitFor(1))[0]?.labels[0]).toBe('green');
    } finally {
      await h.node.stop();
    }
  });

  it('the command line launch_ros builds from it configures the node as intended (namespace + name + params file)', async () => {
    const [launched] = launch(
      { namespace: 'robot', node_name: 'front_classifier', image_topic: '/front/image_raw', backend: 'onnx' },
      REPO_ROOT,
    ).nodes;
    if (launched === undefined) throw new Error('no node');
    const h = await startHarness({ argv: launchRosArgv(launched) });
    try {
      expect(h.control.openedWith?.backend).toBe('onnx');
      expect(h.node.settings.topK).toBe(5);
      expect(h.node.cameraTopics).toEqual(['/front/image_raw']);
      const results = h.double.graph.probe<RosEdgenextClassification>(
        '/robot/front_classifier/classification',
        'edgenext/msg/Classification',
      );
      const frame = uniformFrame('bgr8', 4, 4, [255, 255, 0]);
      h.double.graph.publisher('/front/image_raw', 'sensor_msgs/msg/Image').publish({
        header: { stamp: stampOf(3), frame_id: 'front' },
        height: 4,
        width: 4,
        encoding: 'bgr8',
        is_bigendian: 0,
        step: frame.step,
        data: frame.data,
      });
      const [result] = await results.waitFor(1);
      expect(result?.labels[0]).toBe('yellow');
      expect(result?.source_topic).toBe('/front/image_raw');
    } finally {
      await h.node.stop();
    }
  });
});

describe('scripts/classify.in (the lib/edgenext/classify wrapper)', () => {
  function configure(app: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wrapper-'));
    const wrapper = path.join(dir, 'classify');
    fs.writeFileSync(
      wrapper,
      fs.readFileSync(path.join(REPO_ROOT, 'scripts/classify.in'), 'utf8').replace('@EDGENEXT_APP_PATH@', app),
      { mode: 0o755 },
    );
    return wrapper;
  }

  it('execs node on dist/src/ros/main.js with the ROS arguments unchanged (same pid, so launch signals reach node)', () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'app-'));
    fs.mkdirSync(path.join(app, 'dist/src/ros'), { recursive: true });
    fs.mkdirSync(path.join(app, 'node_modules'));
    fs.writeFileSync(
      path.join(app, 'dist/src/ros/main.js'),
      'console.log(JSON.stringify({ pid: process.pid, argv: process.argv.slice(2) }));',
    );
    const wrapper = configure(app);
    const args = ['--ros-args', '-r', '__node:=classifier', '-p', 'model:=a b', '--params-file', '/x y.yaml'];
    // Run through a shell that prints its own pid first: exec keeps it, so node reports the same pid.
    const result = spawnSync('bash', ['-c', 'echo $$; exec "$0" "$@"', wrapper, ...args], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const [shellPid, json] = result.stdout.trim().split('\n');
    const reported = JSON.parse(json ?? '{}') as { pid: number; argv: string[] };
    expect(reported.argv).toEqual(args);
    expect(String(reported.pid)).toBe(shellPid);
  });

  it('says what to run when the app has no node_modules', () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'app-'));
    const result = spawnSync('bash', [configure(app)], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `edgenext: ${app}/node_modules is missing: run 'npm ci --omit=dev && npm_config_yes=true npm install --no-save --save-optional --omit=dev --ignore-scripts=false rclnodejs@2.2.0' in ${app} with ROS and the overlay sourced (docs/ros.md step 5)`,
    );
  });
});

describe('config/cyclonedds.xml', () => {
  it('is well-formed and sets a 4 MB minimum socket receive buffer', () => {
    const out = python([
      '-c',
      'import sys, xml.etree.ElementTree as E; ns = {"c": "https://cdds.io/config"}; r = E.parse(sys.argv[1]).getroot(); ' +
        'print(r.find("c:Domain/c:Internal/c:SocketReceiveBufferSize", ns).get("min"))',
      path.join(REPO_ROOT, 'config/cyclonedds.xml'),
    ]);
    expect(out.trim()).toBe('4MB');
  });
});
