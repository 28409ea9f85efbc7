/**
 * The double itself must show the runtime behaviours of rclnodejs 2.2 that break a first real run
 * (docs/ros2-integration.md §10), or the node's tests would pass against a friendlier world than a robot.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeMessage } from '../../src/messages';
import {
  createRclDouble,
  Durability,
  FloatingPointRange,
  IntegerRange,
  Parameter,
  ParameterDescriptor,
  QoS,
  Reliability,
} from './double/rclnodejsDouble';
import { rosArgs } from './support/harness';

const IMAGE = 'sensor_msgs/msg/Image';
const STRING = 'std_msgs/msg/String';

function img(frameId: string, data = new Uint8Array([1, 2, 3, 4, 5, 6])) {
  return {
    header: { stamp: { sec: 1, nanosec: 2 }, frame_id: frameId },
    height: 1,
    width: 2,
    encoding: 'rgb8',
    is_bigendian: 0,
    step: 6,
    data,
  };
}

async function started(argv: string[] = []) {
  const d = createRclDouble({ argv });
  await d.rcl.init();
  return d;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('rclnodejs double', () => {
  it('init throws on a second call; shutdown is idempotent and destroys the nodes', async () => {
    const d = await started();
    await expect(d.rcl.init()).rejects.toThrow('The context has already been initialized.');
    const node = new d.rcl.Node('n');
    d.rcl.shutdown();
    d.rcl.shutdown();
    expect(node.isDestroyed()).toBe(true);
    expect(d.rcl.isShutdown()).toBe(true);
    expect(d.rcl.removeROSArgs(['node', 'x.js', '--top', '--ros-args', '-p', 'a:=1'])).toEqual([
      'node',
      'x.js',
      '--top',
    ]);
  });

  it('delivers asynchronously, one message per macrotask, and only while spinning', async () => {
    const d = await started();
    const node = new d.rcl.Node('n');
    const got: string[] = [];
    node.createSubscription(
      IMAGE,
      'img',
      { qos: QoS.profileSensorData },
      (m: { header: { frame_id: string } }) => void got.push(m.header.frame_id),
    );
    const pub = d.graph.publisher('/img', IMAGE);
    pub.publish(img('a'));
    pub.publish(img('b'));
    await tick();
    expect(got).toEqual([]); // not spinning
    node.spin();
    expect(() => node.spin()).toThrow('already spinning');
    expect(got).toEqual([]); // never synchronous
    await tick();
    expect(got).toEqual(['a']);
    await tick();
    expect(got).toEqual(['a', 'b']);
    d.rcl.shutdown();
  });

  it('hands non-raw subscribers a fresh Uint8Array (not a Buffer) and raw ones a Buffer of CDR with its header', async () => {
    const d = await started();
    const node = new d.rcl.Node('n');
    const plain: Array<{ data: Uint8Array; is_bigendian: unknown }> = [];
    const raw: Buffer[] = [];
    node.createSubscription(
      IMAGE,
      'img',
      { qos: QoS.profileSensorData },
      (m: { data: Uint8Array; is_bigendian: unknown }) => void plain.push(m),
    );
    node.createSubscription(IMAGE, 'img', { qos: QoS.profileSensorData, isRaw: true }, (m: Buffer) => void raw.push(m));
    node.spin();
    d.graph.publisher('/img', IMAGE).publish(img('x'));
    await tick();
    await tick();
    const [m] = plain;
    expect(m?.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(m?.data)).toBe(false);
    expect(m?.data.byteOffset).toBe(0);
    expect(m?.data.buffer.byteLength).toBe(6);
    expect(m?.is_bigendian).toBe(0);
    const [r] = raw;
    expect(Buffer.isBuffer(r)).toBe(true);
    expect(r?.byteOffset).toBe(0);
    expect([...(r?.subarray(0, 4) ?? [])]).toEqual([0, 1, 0, 0]);
    expect(decodeMessage<{ header: { frame_id: string } }>(IMAGE, r as Buffer).header.frame_id).toBe('x');
    d.rcl.shutdown();
  });

  it('a RELIABLE subscription receives nothing from a BEST_EFFORT publisher; KEEP_LAST depth bounds the backlog', async () => {
    const d = await started();
    const node = new d.rcl.Node('n');
    const reliable: string[] = [];
    const depth1: string[] = [];
    node.createSubscription(
      IMAGE,
      'img',
      { qos: QoS.profileDefault },
      (m: { header: { frame_id: string } }) => void reliable.push(m.header.frame_id),
    );
    node.createSubscription(
      IMAGE,
      'img',
      { qos: new QoS(1, 1, 2, 2) },
      (m: { header: { frame_id: string } }) => void depth1.push(m.header.frame_id),
    );
    const camera = d.graph.publisher('/img', IMAGE, { reliability: Reliability.bestEffort });
    for (const id of ['1', '2', '3']) camera.publish(img(id));
    node.spin();
    for (let i = 0; i < 5; i++) await tick();
    expect(reliable).toEqual([]);
    expect(depth1).toEqual(['3']);
    d.rcl.shutdown();
  });

  it('replays transient-local messages to late transient-local subscribers only', async () => {
    const d = await started();
    const node = new d.rcl.Node('n');
    const pub = node.createPublisher(STRING, '~/card', { qos: new QoS(1, 1, 1, 1) });
    pub.publish({ data: 'card' });
    expect(d.graph.probe('/n/card', STRING).messages).toEqual([]);
    expect(d.graph.probe('/n/card', STRING, { durability: Durability.transientLocal }).messages).toEqual([
      { data: 'card' },
    ]);
    expect(pub.subscriptionCount).toBe(2);
    d.rcl.shutdown();
  });

  it('publishes TypedArray fields from offset 0 of their buffer, as rclnodejs does (so a subarray sends the wrong bytes)', async () => {
    const d = await started();
    const node = new d.rcl.Node('n');
    const probe = d.graph.probe<{ data: Uint8Array }>('/img', IMAGE);
    const pub = node.createPublisher(IMAGE, 'img');
    const big = Uint8Array.from({ length: 200 }, (_, i) => i);
    pub.publish(img('view', big.subarray(100, 106)));
    pub.publish(img('fresh', new Uint8Array(big.subarray(100, 106))));
    expect([...(probe.messages[0]?.data ?? [])]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...(probe.messages[1]?.data ?? [])]).toEqual([100, 101, 102, 103, 104, 105]);
    // Strict mode refuses a field name rclnodejs would drop silently.
    expect(() => pub.publish({ ...img('x'), encodeing: 'rgb8' })).toThrow("unknown field 'encodeing'");
    expect(() => node.createPublisher('vision_msgs/msg/Detection9D', 'x')).toThrow(
      expect.objectContaining({ code: 'MESSAGE_NOT_FOUND' }),
    );
    d.rcl.shutdown();
  });

  it('re-throws a callback exception loudly (the real library aborts the process) and records it', async () => {
    const d = await started();
    const node = new d.rcl.Node('n');
    node.createSubscription(IMAGE, 'img', { qos: QoS.profileSensorData }, () => {
      throw new Error('boom');
    });
    const thrown: unknown[] = [];
    const nextTick = jest.spyOn(process, 'nextTick').mockImplementation(((fn: () => void) => {
      try {
        fn();
      } catch (error) {
        thrown.push(error);
      }
    }) as typeof process.nextTick);
    try {
      node.spin();
      d.graph.publisher('/img', IMAGE).publish(img('a'));
      await tick();
      await tick();
    } finally {
      nextTick.mockRestore();
    }
    expect(String(thrown[0])).toMatch(/aborts the process.*boom/);
    expect(d.graph.callbackErrors).toHaveLength(1);
    d.rcl.shutdown();
  });

  it('needs bigint timer periods and string log messages', async () => {
    const d = await started();
    const node = new d.rcl.Node('n');
    expect(() => node.createTimer(1000 as unknown as bigint, () => undefined)).toThrow(/bigint/);
    expect(() => node.getLogger().error(new Error('x') as unknown as string)).toThrow(/must be a string/);
    d.rcl.shutdown();
  });

  it('parameters: bigint integers, FloatingPointRange step 1 by default, descriptor type mismatch throws', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dbl-')), 'p.yaml');
    fs.writeFileSync(
      file,
      '/**:\n  ros__parameters:\n    k: 7\n    t: 1\n/n:\n  ros__parameters:\n    ignored: 1.0\nn:\n  ros__parameters:\n    s: "x"\n',
    );
    const d = await started(rosArgs('--params-file', file, '-p', 'u:=0.5'));
    const node = new d.rcl.Node('n');
    expect(node.declareParameter(new Parameter('k', 2, 5n)).value).toBe(7n);
    expect(node.declareParameter(new Parameter('s', 4, 'default')).value).toBe('x');
    expect(node.declareParameter(new Parameter('ignored', 3, 2.0)).value).toBe(2.0);
    // YAML 1 is an integer: with a DOUBLE descriptor the declaration throws (rclnodejs' odd text).
    expect(() => node.declareParameter(new Parameter('t', 3, 0.1), new ParameterDescriptor('t', 3))).toThrow(
      'Parameter t does not  readonly',
    );
    // Without a descriptor the override's type wins.
    expect(node.declareParameter(new Parameter('t', 3, 0.1)).value).toBe(1n);
    expect(
      () =>
        node.declareParameter(
          new Parameter('u', 3, 0.1),
          new ParameterDescriptor('u', 3, '', false, new FloatingPointRange(0, 1)),
        ),
      // Step 1 by default, so 0.1 is out of range; rclnodejs words a range failure like a type mismatch.
    ).toThrow('Parameter u does not  readonly');
    expect(() => new IntegerRange(0n, 5n, 1n).inRange(3 as unknown as bigint)).toThrow('Cannot mix BigInt');
    expect(node.getParameter('nothing').type).toBe(0);
    expect(() => node.declareParameter(new Parameter('k', 2, 1n))).toThrow(
      'Parameter([object Object]) already declared.',
    );
    d.rcl.shutdown();
  });
});
