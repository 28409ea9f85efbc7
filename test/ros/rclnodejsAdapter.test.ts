/**
 * Loading rclnodejs: refused early with one actionable line when ROS or the package is missing (no 5-minute
 * node-gyp rebuild), and the CommonJS default-export shape handled.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeImageMessage } from '../../src/messages';
import { createPipeline } from '../../src/pipeline';
import { checkRosEnvironment, loadRclnodejs, pickRclExport } from '../../src/ros/rclnodejsAdapter';
import { runNode } from '../../src/ros/runNode';
import { createRclDouble } from './double/rclnodejsDouble';
import { createFakeClassifier } from './support/fakeClassifier';
import { asRcl, rosArgs } from './support/harness';
import { fakeProcess } from './support/fakeProcess';

const ROS_ENV = { ROS_DISTRO: 'humble', AMENT_PREFIX_PATH: '/opt/ros/humble' };

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  expect((error as { code?: string }).code).toBe('backend_unavailable');
  expect(error.message).not.toContain('\n');
  return error.message;
}

describe('loadRclnodejs', () => {
  it('refuses a Node.js older than 20.20.2 and an unsourced ROS with one line each', () => {
    expect(() => checkRosEnvironment(ROS_ENV, '20.19.0')).toThrow(
      /Node.js 20.19.0 is too old for rclnodejs 2.2.0: install Node >= 20.20.2/,
    );
    expect(() => checkRosEnvironment({}, '20.20.2')).toThrow(
      /ROS 2 is not sourced.*source \/opt\/ros\/humble\/setup.bash/,
    );
    expect(() => checkRosEnvironment(ROS_ENV, 'v22.1.0')).not.toThrow();
  });

  it('says rclnodejs is not installed, and how to install it, on this machine (where it really is absent)', async () => {
    const message = await failure(loadRclnodejs({ env: ROS_ENV, nodeVersion: '20.20.2' }));
    expect(message).toBe(
      "rclnodejs is not installed: source /opt/ros/humble/setup.bash (and the edgenext overlay's install/setup.bash), " +
        'then run "npm_config_yes=true npm install --no-save --save-optional --omit=dev --ignore-scripts=false rclnodejs@2.2.0" in the edgenext app folder ' +
        '(install/edgenext/lib/edgenext_app, see docs/ros.md step 5)',
    );
  });

  it('detects a poisoned install whose generated/ lacks the messages (generation ran without ROS)', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rclnodejs-'));
    const pkg = path.join(root, 'node_modules/rclnodejs');
    fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
    fs.mkdirSync(path.join(pkg, 'generated/std_msgs'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), '{}');
    fs.writeFileSync(path.join(pkg, 'generated/generator.json'), '{}');
    let imported = false;
    const message = await failure(
      loadRclnodejs({
        env: ROS_ENV,
        nodeVersion: '20.20.2',
        resolveModule: () => path.join(pkg, 'dist/index.cjs'),
        importModule: async () => {
          imported = true;
          return {};
        },
      }),
    );
    expect(message).toContain('no generated messages for sensor_msgs, diagnostic_msgs, rcl_interfaces');
    expect(message).toContain('npx generate-ros-messages');
    expect(imported).toBe(false);
  });

  it('takes the rcl object from a CommonJS-interop namespace (.default) or as is, and rejects anything else', () => {
    const rcl = createRclDouble().rcl;
    expect(pickRclExport({ default: rcl, init: undefined })).toBe(rcl);
    expect(pickRclExport(rcl)).toBe(rcl);
    expect(() => pickRclExport({ default: {} })).toThrow(/exports no init\(\)\/Node/);
  });

  it('reports a failing import (e.g. the native addon) with the DEBUG hint', async () => {
    const pkg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rclnodejs-')), 'node_modules/rclnodejs');
    fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), '{}');
    for (const msgs of ['std_msgs', 'sensor_msgs', 'diagnostic_msgs', 'rcl_interfaces']) {
      fs.mkdirSync(path.join(pkg, 'generated', msgs), { recursive: true });
    }
    const message = await failure(
      loadRclnodejs({
        env: ROS_ENV,
        nodeVersion: '20.20.2',
        resolveModule: () => path.join(pkg, 'dist/index.cjs'),
        importModule: async () => {
          throw new Error('Failed to build rclnodejs from source');
        },
      }),
    );
    expect(message).toMatch(
      /^rclnodejs failed to load \(Failed to build rclnodejs from source\): run once with DEBUG=rclnodejs\*/,
    );
  });
});

describe('runNode (the process around the node)', () => {
  it('without rclnodejs: one line on stderr and exit 1', async () => {
    const proc = fakeProcess();
    const lines: string[] = [];
    const node = await runNode({
      loadRcl: () => loadRclnodejs({ env: {}, nodeVersion: '20.20.2' }),
      openClassifier: async (o) => createFakeClassifier(o).classifier,
      createPipeline,
      decodeImageMessage,
      process: proc,
      writeError: (line) => lines.push(line),
    });
    expect(node).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^edgenext: ROS 2 is not sourced/);
    expect(proc.exits).toEqual([1]);
  });

  it('SIGTERM stops the running node cleanly and exits 0', async () => {
    const proc = fakeProcess();
    const double = createRclDouble({ argv: rosArgs() });
    const node = await runNode({
      loadRcl: async () => asRcl(double),
      openClassifier: async (o) => createFakeClassifier(o).classifier,
      createPipeline,
      decodeImageMessage,
      process: proc,
      writeError: () => undefined,
    });
    expect(node).toBeDefined();
    proc.emitter.emit('SIGTERM');
    for (let waited = 0; proc.exits.length === 0 && waited < 3000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(proc.exits).toEqual([0]);
    expect(double.rcl.isShutdown()).toBe(true);
    expect(double.graph.liveHandles).toBe(0);
  });
});
