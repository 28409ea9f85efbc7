/**
 * Fuzzing the ROS node's subscription callback through the rclnodejs double: random bytes, mutated valid CDR and
 * Image messages whose fields disagree arrive as serialized messages on the camera topics. The node must never let
 * an exception out of a callback, never hold more frames than its bound, and account for every message: decoded
 * and dropped by the pipeline with a named cause, published, or refused at decoding (counted per topic).
 */
import { fc, test } from '@fast-check/jest';
import { encodeMessage, type RosEdgenextClassification } from '../../src/messages';
import type { TestPublisher, TopicProbe } from '../ros/double/rclnodejsDouble';
import { rosArgs, startHarness, type Harness } from '../ros/support/harness';
import { cheapClassifier } from './cheapClassifier';
import {
  COMPRESSED,
  disagreeingImage,
  FUZZ_PARAMS,
  FUZZ_RUNS,
  IMAGE,
  mutatedBytes,
  Outcomes,
  reportOutcomes,
  VALID_COMPRESSED,
  VALID_IMAGES,
} from './fuzzSupport';

// 10,000 cases per property take seconds on a quiet machine; leave room for a loaded CI machine.
jest.setTimeout(300_000);

const RAW_TOPIC = '/cam/image_raw';
const COMPRESSED_TOPIC = '/cam/image_raw/compressed';
const params = FUZZ_PARAMS;

let harness: Harness;
let raw: TestPublisher;
let compressed: TestPublisher;
let results: TopicProbe<RosEdgenextClassification>;
const sent = new Map<string, number>([
  [RAW_TOPIC, 0],
  [COMPRESSED_TOPIC, 0],
]);
const outcomes = new Outcomes();
/** Messages neither published, dropped with a cause, nor refused at decoding; unknown until the pipeline is idle. */
let unaccounted = Number.NaN;
const rssBefore = process.memoryUsage().rss;

beforeAll(async () => {
  harness = await startHarness({
    argv: rosArgs(
      '-p',
      `image_topics:=['${RAW_TOPIC}', '${COMPRESSED_TOPIC}']`,
      '-p',
      'queue_policy:=drop_oldest',
      '-p',
      'queue_depth:=4',
      '-p',
      'qos_depth:=10',
    ),
    openClassifier: () => Promise.resolve(cheapClassifier()),
  });
  const { graph } = harness.double;
  raw = graph.publisher(RAW_TOPIC, IMAGE);
  compressed = graph.publisher(COMPRESSED_TOPIC, COMPRESSED);
  results = graph.probe<RosEdgenextClassification>('/classifier/classification', 'edgenext/msg/Classification');
});

/** Sends one serialized message and lets the node and its pipeline run; checks nothing escaped and memory held. */
async function deliver(topic: typeof RAW_TOPIC | typeof COMPRESSED_TOPIC, bytes: Uint8Array): Promise<void> {
  const started = performance.now();
  (topic === RAW_TOPIC ? raw : compressed).publish(Buffer.from(bytes));
  sent.set(topic, (sent.get(topic) ?? 0) + 1);
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (harness.double.graph.callbackErrors.length > 0 || harness.node.callbackErrors > 0) {
    throw new Error(`a callback threw: ${String(harness.double.graph.callbackErrors[0])}`);
  }
  // A statistics snapshot costs more than the case itself: look at the held frames every few cases.
  if (outcomes.cases % 16 === 0) {
    const stats = harness.node.stats();
    if (stats === undefined || stats.bufferedFrames > stats.bufferBound) {
      throw new Error(`frames held beyond the bound: ${stats?.bufferedFrames} > ${stats?.bufferBound}`);
    }
  }
  outcomes.add('delivered', performance.now() - started);
}

describe('fuzz: the node subscription callback (rclnodejs double)', () => {
  test.prop([fc.uint8Array({ maxLength: 128 }), fc.boolean()], params)(
    'random bytes on the raw and compressed topics',
    (bytes, onRaw) => deliver(onRaw ? RAW_TOPIC : COMPRESSED_TOPIC, bytes),
  );

  test.prop([mutatedBytes(VALID_IMAGES)], params)('mutated valid Image CDR', (bytes) => deliver(RAW_TOPIC, bytes));

  test.prop([mutatedBytes(VALID_COMPRESSED)], params)('mutated valid CompressedImage CDR', (bytes) =>
    deliver(COMPRESSED_TOPIC, bytes),
  );

  test.prop([disagreeingImage], params)('Image messages whose fields disagree', (msg) =>
    deliver(RAW_TOPIC, encodeMessage(IMAGE, msg)),
  );

  it('accounted for every message once the pipeline is idle, and published what it classified', async () => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const stats = harness.node.stats()!;
      if (stats.bufferedFrames === 0) break;
      if (Date.now() > deadline) throw new Error(`pipeline never went idle: ${stats.bufferedFrames} frames held`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const stats = harness.node.stats()!;
    const rejections = harness.node.decodeRejections;
    let published = 0;
    unaccounted = 0;
    for (const topic of [RAW_TOPIC, COMPRESSED_TOPIC]) {
      const source = stats.sources.find((s) => s.name === topic)!;
      // received = published + dropped (by named cause) once nothing is queued or in flight
      expect(source.received).toBe(source.published + source.droppedTotal);
      const namedDrops = Object.values(source.dropped).reduce((a, b) => a + b, 0);
      expect(namedDrops).toBe(source.droppedTotal);
      unaccounted += Math.abs((sent.get(topic) ?? 0) - source.received - (rejections.get(topic) ?? 0));
      unaccounted += source.received - source.published - namedDrops;
      expect(source.received + (rejections.get(topic) ?? 0)).toBe(sent.get(topic));
      published += source.published;
    }
    expect(outcomes.cases).toBe(4 * FUZZ_RUNS);
    expect((sent.get(RAW_TOPIC) ?? 0) + (sent.get(COMPRESSED_TOPIC) ?? 0)).toBe(4 * FUZZ_RUNS);
    // The fuzz reached every stage: refused at decoding, dropped in preprocessing, and classified.
    expect(rejections.get(RAW_TOPIC) ?? 0).toBeGreaterThan(0);
    expect(stats.sources.find((s) => s.name === RAW_TOPIC)!.dropped.malformed).toBeGreaterThan(0);
    expect(published).toBeGreaterThan(0);
    await results.waitFor(published, 5000);
    expect(results.messages).toHaveLength(published);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
  });
});

afterAll(async () => {
  reportOutcomes('node subscription callback', outcomes, 4 * FUZZ_RUNS, unaccounted);
  await harness.node.stop();
  expect(harness.double.graph.callbackErrors).toEqual([]);
});
