/**
 * Sim time, the smoothed topic's advertisement and the stop summary, through the rclnodejs double. The real-graph
 * counterpart (ros2 bag play --clock) is in test/ros-real.
 */
import type { RosDiagnosticArray, RosEdgenextClassification } from '../../src/messages';
import { SimClock } from '../../src/ros/simClock';
import { Parameter, Reliability } from './double/rclnodejsDouble';
import { uniformFrame } from './support/frames';
import { rosArgs, startHarness, type Harness } from './support/harness';

const IMAGE = 'sensor_msgs/msg/Image';
const RESULT = 'edgenext/msg/Classification';
const CLOCK = 'rosgraph_msgs/msg/Clock';
/** Far from the wall clock, as a bag recorded long ago is. */
const SIM_SEC = 1_000_000;

let harness: Harness | undefined;

afterEach(async () => {
  if (harness !== undefined) {
    await harness.node.stop();
    expect(harness.double.graph.callbackErrors).toEqual([]);
    harness = undefined;
  }
});

function image(sec: number, nanosec: number, frameId: string) {
  const frame = uniformFrame('rgb8', 8, 6, [255, 0, 0]);
  return {
    header: { stamp: { sec, nanosec }, frame_id: frameId },
    height: frame.height,
    width: frame.width,
    encoding: frame.encoding,
    is_bigendian: 0,
    step: frame.step,
    data: frame.data,
  };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('use_sim_time', () => {
  it('follows a best-effort /clock: ages in sim time, stale frames dropped with a log line, diagnostics alive', async () => {
    harness = await startHarness({
      argv: rosArgs('-p', 'use_sim_time:=true', '-p', 'max_age_ms:=2000', '-p', 'diagnostics_period:=0.1'),
    });
    const { graph } = harness.double;
    // `ros2 bag play --clock` publishes /clock best effort (rclnodejs' own TimeSource subscription is reliable).
    const clock = graph.publisher('/clock', CLOCK, { reliability: Reliability.bestEffort });
    const camera = graph.publisher('/image', IMAGE);
    const results = graph.probe<RosEdgenextClassification>('/classifier/classification', RESULT);
    const diagnostics = graph.probe<RosDiagnosticArray>('/diagnostics', 'diagnostic_msgs/msg/DiagnosticArray');

    clock.publish({ clock: { sec: SIM_SEC, nanosec: 500_000_000 } });
    await settle(30);
    // The subscription keeps the last message only (qos_depth 1): one frame at a time.
    camera.publish(image(SIM_SEC, 0, 'fresh')); // 500 ms old in sim time, ~10^9 s old on the wall clock
    await settle(30);
    camera.publish(image(SIM_SEC - 10, 0, 'old')); // 10.5 s old in sim time
    await settle(30);
    camera.publish(image(SIM_SEC, 250_000_000, 'fresh2'));
    const [first, second] = await results.waitFor(2);
    expect([first?.header.frame_id, second?.header.frame_id]).toEqual(['fresh', 'fresh2']);
    expect(first?.total_age_ms).toBeGreaterThanOrEqual(500);
    expect(first?.total_age_ms).toBeLessThan(600);
    expect(second?.total_age_ms).toBeGreaterThanOrEqual(250);
    expect(second?.total_age_ms).toBeLessThan(350);
    const stats = harness.node.stats()?.sources[0];
    expect(stats?.dropped.stale).toBe(1);
    expect(graph.logs.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/dropped a frame as stale: 10500 ms old \(header stamp\) > max_age_ms 2000/),
    );

    // Diagnostics keep coming while sim time stands still, stamped with the sim time.
    const before = diagnostics.messages.length;
    await diagnostics.waitFor(before + 3, 2000);
    expect(diagnostics.last()?.header.stamp).toEqual({ sec: SIM_SEC, nanosec: 500_000_000 });
  });

  it('without use_sim_time the node does not subscribe to /clock', async () => {
    harness = await startHarness({ argv: rosArgs() });
    const clock = harness.double.graph.publisher('/clock', CLOCK);
    expect(clock.subscriptionCount).toBe(0);
  });
});

describe('SimClock', () => {
  it('reads rosgraph_msgs/Clock CDR in both byte orders and refuses a short message', () => {
    const clock = new SimClock();
    expect(clock.started).toBe(false);
    expect(clock.nowNs()).toBe(0n);
    const le = Buffer.from([0, 1, 0, 0, 0x40, 0x42, 0x0f, 0, 0x15, 0xcd, 0x5b, 0x07]);
    clock.update(le);
    expect(clock.nowNs()).toBe(1_000_000n * 1_000_000_000n + 123_456_789n);
    const be = Buffer.from([0, 0, 0, 0, 0, 0x0f, 0x42, 0x40, 0x07, 0x5b, 0xcd, 0x15]);
    clock.update(be);
    expect(clock.nowMs()).toBeCloseTo(1_000_000_123.456789, 6);
    expect(() => clock.update(Buffer.from([0, 1, 0, 0, 1]))).toThrow(
      'a /clock message has 5 bytes, expected at least 12',
    );
  });
});

describe('the smoothed topic and the stop summary', () => {
  it('advertises ~/classification/smoothed only once smoothing_alpha > 0', async () => {
    harness = await startHarness({ argv: rosArgs() });
    const { graph } = harness.double;
    const probe = graph.probe('/classifier/classification/smoothed', RESULT);
    expect(graph.publisherCount('/classifier/classification/smoothed')).toBe(0);
    const rosNode = [...harness.double.nodes][0];
    expect(rosNode?.setParameter(new Parameter('smoothing_alpha', 3, 0.5)).successful).toBe(true);
    expect(graph.publisherCount('/classifier/classification/smoothed')).toBe(1);
    graph.publisher('/image', IMAGE).publish(image(1_700_000_000, 0, 'cam'));
    expect((await probe.waitFor(1))[0]?.header).toEqual({
      stamp: { sec: 1_700_000_000, nanosec: 0 },
      frame_id: 'cam',
    });
  });

  it('logs one summary line when stopping, and no warning after it', async () => {
    harness = await startHarness({ argv: rosArgs() });
    const { graph } = harness.double;
    const camera = graph.publisher('/image', IMAGE);
    const results = graph.probe('/classifier/classification', RESULT);
    camera.publish(image(1_700_000_000, 0, 'ok'));
    await results.waitFor(1);
    camera.publish({ ...image(1_700_000_000, 1, 'bad'), step: 1 });
    await settle(50);
    await harness.node.stop();
    const lines = graph.logs.map((l) => l.message);
    const summary = lines.findIndex((l) => l.startsWith('stopped:'));
    expect(lines[summary]).toBe('stopped: 2 frames received, 1 results published, dropped: malformed 1');
    expect(lines.slice(summary + 1).filter((l) => /dropped|more times/.test(l))).toEqual([]);
  });
});
