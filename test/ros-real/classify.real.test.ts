/**
 * The node classifying over DDS on the real graph: every raw encoding and JPEG/PNG from an rclpy "camera", results
 * with the sent headers and the same top-5 as `edgenext classify` (or, for the YUV encodings no image file can hold,
 * the library on the same bytes); the vision_msgs outputs; a late transient-local subscriber; bad frames counted by
 * cause in /diagnostics.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openClassifier } from '../../src/runtime/openClassifier';
import { FIXTURES } from '../support/paths';
import { makeTestFrames, type TestFrame } from './support/frames';
import { LaunchedNode } from './support/launchNode';
import { ros2, runProbe } from './support/probe';
import { loadRosContext } from './support/rosContext';

const DOMAIN = 82;
const REPO = path.resolve(__dirname, '../..');
const RAW_TOPIC = '/camera/image_raw';
const COMPRESSED_TOPIC = '/camera/image_raw/compressed';
const context = loadRosContext();

interface Top5 {
  labels: string[];
  scores: number[];
}

let launched: LaunchedNode | undefined;
let frames: TestFrame[] = [];
let dir = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgenext-ros-classify-'));
  frames = await makeTestFrames(path.join(FIXTURES, 'images', 'goldfish.JPEG'), dir);
  launched = new LaunchedNode(context, {
    domainId: DOMAIN,
    args: { image_topics: `${RAW_TOPIC},${COMPRESSED_TOPIC}` },
  });
  await launched.ready(2);
});

afterAll(async () => {
  await launched?.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `edgenext classify --json` on the files (the CLI a user runs, same default synthetic model as the node). */
function classifyFiles(files: readonly string[]): Map<string, Top5> {
  const out = execFileSync('node', [path.join(REPO, 'dist/src/cli/main.js'), 'classify', '--json', ...files], {
    encoding: 'utf8',
  });
  const results = new Map<string, Top5>();
  for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
    const parsed = JSON.parse(line) as { file: string; topK: Array<{ label: string; score: number }> };
    results.set(parsed.file, { labels: parsed.topK.map((t) => t.label), scores: parsed.topK.map((t) => t.score) });
  }
  return results;
}

/** The library on exactly the bytes the camera sent (for YUV frames, which no image file format holds). */
async function classifyRaw(frame: TestFrame): Promise<Top5> {
  const classifier = await openClassifier();
  try {
    if (frame.raw === undefined) throw new Error(`${frame.name} is not raw`);
    const input = await classifier.preprocess(frame.raw);
    const [logits] = await classifier.backend.infer([input]);
    const top = classifier.postprocess(logits as Float32Array, 5);
    return { labels: top.map((t) => t.label), scores: top.map((t) => t.score) };
  } finally {
    await classifier.close();
  }
}

describe('the node on a real ROS 2 graph', () => {
  it('classifies every raw encoding and JPEG/PNG with the sent headers and the top-5 of edgenext classify', async () => {
    const stampOf = (i: number) => ({ sec: 1_700_000_100 + i, nanosec: 1000 * i + 7 });
    const publish = (type: string, topic: string) => ({
      topic,
      type,
      reliability: 'best_effort' as const,
      // One frame at a time: the node's default policy keeps only the newest frame.
      period_s: 0.4,
      messages: frames
        .map((frame, i) => ({ frame, i }))
        .filter(({ frame }) => frame.type === type)
        .map(({ frame, i }) => ({ header: { stamp: stampOf(i), frame_id: `cam_${frame.name}` }, ...frame.fields })),
    });
    const result = await runProbe(context, DOMAIN, {
      subscribe: [
        { topic: '/classifier/classification', type: 'edgenext/msg/Classification', count: frames.length },
        { topic: '/classifier/vision/classification', type: 'vision_msgs/msg/Classification', count: frames.length },
      ],
      publish: [
        publish('sensor_msgs/msg/Image', RAW_TOPIC),
        publish('sensor_msgs/msg/CompressedImage', COMPRESSED_TOPIC),
      ],
      timeout_s: 60,
    });
    const results = result.received['/classifier/classification'] as Array<{
      header: { stamp: { sec: number; nanosec: number }; frame_id: string };
      source_topic: string;
      labels: string[];
      scores: number[];
      class_ids: number[];
      model_name: string;
    }>;
    expect(results.map((r) => r.header.frame_id).sort()).toEqual(frames.map((f) => `cam_${f.name}`).sort());

    const fromCli = classifyFiles([...new Set(frames.flatMap((f) => (f.sameFile ? [f.sameFile] : [])))]);
    for (const [i, frame] of frames.entries()) {
      const got = results.find((r) => r.header.frame_id === `cam_${frame.name}`);
      expect(got?.header.stamp).toEqual(stampOf(i));
      expect(got?.source_topic).toBe(frame.type === 'sensor_msgs/msg/Image' ? RAW_TOPIC : COMPRESSED_TOPIC);
      expect(got?.model_name).toMatch(/^EdgeNeXt_xx_small_synthetic/);
      const expected = frame.sameFile !== undefined ? fromCli.get(frame.sameFile) : await classifyRaw(frame);
      expect({ frame: frame.name, labels: got?.labels }).toEqual({ frame: frame.name, labels: expected?.labels });
      for (const [k, score] of (got?.scores ?? []).entries()) expect(score).toBeCloseTo(expected?.scores[k] ?? -1, 6);
    }

    // vision_msgs/Classification: class index as the id, the probability as the score, the same header.
    const vision = result.received['/classifier/vision/classification'] as Array<{
      header: { frame_id: string };
      results: Array<{ class_id: string; score: number }>;
    }>;
    const first = results[0];
    const twin = vision.find((v) => v.header.frame_id === first?.header.frame_id);
    expect(twin?.results.map((r) => r.class_id)).toEqual(first?.class_ids.map(String));
    expect(twin?.results[0]?.score).toBeCloseTo(first?.scores[0] ?? -1, 6);
  });

  it('gives a late transient-local subscriber the LabelInfo and the model card', async () => {
    const result = await runProbe(context, DOMAIN, {
      subscribe: [
        {
          topic: '/classifier/vision/label_info',
          type: 'vision_msgs/msg/LabelInfo',
          durability: 'transient_local',
          count: 1,
        },
        { topic: '/classifier/model_card', type: 'std_msgs/msg/String', durability: 'transient_local', count: 1 },
      ],
      timeout_s: 20,
    });
    const [labelInfo] = result.received['/classifier/vision/label_info'] as Array<{
      class_map: Array<{ class_id: number; class_name: string }>;
      threshold: number;
    }>;
    expect(labelInfo?.class_map).toHaveLength(1000);
    expect(labelInfo?.class_map[1]).toEqual({ class_id: 1, class_name: 'goldfish, Carassius auratus' });
    const [card] = result.received['/classifier/model_card'] as Array<{ data: string }>;
    expect(JSON.parse(card?.data ?? '{}')).toMatchObject({ backend: 'onnx', syntheticWeights: true, labelCount: 1000 });
  });

  it('counts bad frames from the wire by cause in /diagnostics and keeps classifying', async () => {
    const good = frames.find((f) => f.name === 'rgb8') as TestFrame;
    const corrupt = path.join(dir, 'corrupt.jpg');
    fs.writeFileSync(corrupt, fs.readFileSync(frames.find((f) => f.name === 'jpeg')?.sameFile ?? '').subarray(0, 300));
    const header = (id: string) => ({ header: { stamp: { sec: 1_700_000_200, nanosec: 0 }, frame_id: id } });
    const result = await runProbe(context, DOMAIN, {
      subscribe: [
        { topic: '/diagnostics', type: 'diagnostic_msgs/msg/DiagnosticArray' },
        { topic: '/classifier/classification', type: 'edgenext/msg/Classification', count: 1 },
      ],
      publish: [
        {
          topic: RAW_TOPIC,
          type: 'sensor_msgs/msg/Image',
          period_s: 0.4,
          messages: [
            { ...header('short_step'), ...good.fields, step: 3 },
            { ...header('bayer'), ...good.fields, encoding: 'bayer_rggb8' },
            { ...header('good'), ...good.fields },
          ],
        },
        {
          topic: COMPRESSED_TOPIC,
          type: 'sensor_msgs/msg/CompressedImage',
          period_s: 0.4,
          messages: [{ ...header('corrupt'), format: 'jpeg', data_file: corrupt }],
        },
      ],
      linger_s: 2.5,
      timeout_s: 30,
    });
    expect(
      (result.received['/classifier/classification'] ?? []).map((r) => (r.header as { frame_id: string }).frame_id),
    ).toContain('good');
    // Diagnostics values are per node lifetime: the last message holds every drop so far.
    const last = (result.received['/diagnostics'] ?? []).at(-1) as {
      status: Array<{ name: string; values: Array<{ key: string; value: string }> }>;
    };
    const value = (camera: string, key: string) =>
      last.status.find((s) => s.name.endsWith(`camera ${camera}`))?.values.find((v) => v.key === key)?.value;
    expect(value(RAW_TOPIC, 'dropped.malformed')).toBe('1');
    expect(value(RAW_TOPIC, 'dropped.unsupported_encoding')).toBe('1');
    expect(value(COMPRESSED_TOPIC, 'dropped.decode_error')).toBe('1');
  });

  it('publishes ~/image_annotated once switched on live: the source header, size and encoding, pixels drawn on', async () => {
    const set = await ros2(context, DOMAIN, ['param', 'set', '/classifier', 'publish_annotated', 'true']);
    expect(set.output.trim()).toBe('Set parameter successful');
    const source = frames.find((f) => f.name === 'bgr8') as TestFrame;
    const header = { stamp: { sec: 1_700_000_300, nanosec: 42 }, frame_id: 'annotated' };
    const result = await runProbe(context, DOMAIN, {
      subscribe: [{ topic: '/classifier/image_annotated', type: 'sensor_msgs/msg/Image', count: 1 }],
      publish: [{ topic: RAW_TOPIC, type: 'sensor_msgs/msg/Image', messages: [{ header, ...source.fields }] }],
      timeout_s: 20,
    });
    const [annotated] = result.received['/classifier/image_annotated'] as Array<{
      header: typeof header;
      width: number;
      height: number;
      encoding: string;
      step: number;
      data: number[];
    }>;
    expect(annotated).toMatchObject({ header, width: 96, height: 72, encoding: 'bgr8', step: 96 * 3 });
    const sent = source.raw?.data ?? new Uint8Array();
    const changed = annotated?.data.filter((value, i) => value !== sent[i]).length ?? 0;
    expect(annotated?.data).toHaveLength(sent.length);
    // The overlay changed part of the frame, not nothing and not everything.
    expect(changed).toBeGreaterThan(100);
    expect(changed).toBeLessThan(sent.length);
  });
});
