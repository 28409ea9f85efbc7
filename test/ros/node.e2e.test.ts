/**
 * End to end through the rclnodejs double: camera messages (CDR) -> ClassifierNode -> real pipeline -> fake palette
 * classifier -> published messages read back from CDR by "another process".
 */
import sharp from 'sharp';
import { encodeMessage, type RosDiagnosticArray, type RosEdgenextClassification } from '../../src/messages';
import { Parameter, Reliability, Durability, type RosGraph, type TopicProbe } from './double/rclnodejsDouble';
import { ALL_RAW_ENCODINGS, imageMessage, uniformFrame, type RawFrame, type Rgb } from './support/frames';
import { PALETTE } from './support/fakeClassifier';
import { PARAMS_FILE, rosArgs, stampOf, startHarness, stopChecked, type Harness } from './support/harness';

const IMAGE = 'sensor_msgs/msg/Image';
const COMPRESSED = 'sensor_msgs/msg/CompressedImage';
const RESULT = 'edgenext/msg/Classification';

interface VisionClassification {
  header: { stamp: { sec: number; nanosec: number }; frame_id: string };
  results: Array<{ class_id: string; score: number }>;
}

let harness: Harness | undefined;

afterEach(async () => {
  await stopChecked(harness);
  harness = undefined;
});

function imageMsg(frame: RawFrame, i: number, frameId: string) {
  return imageMessage(frame, { stamp: stampOf(i), frame_id: frameId });
}

async function encodeCompressed(format: 'jpeg' | 'png', rgb: Rgb): Promise<Uint8Array> {
  const image = sharp({
    create: { width: 16, height: 12, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  });
  return new Uint8Array(await (format === 'jpeg' ? image.jpeg({ quality: 90 }) : image.png()).toBuffer());
}

function diagValue(diag: RosDiagnosticArray, statusName: string, key: string): string | undefined {
  return diag.status.find((s) => s.name === statusName)?.values.find((v) => v.key === key)?.value;
}

function diagnosticsProbe(graph: RosGraph): TopicProbe<RosDiagnosticArray> {
  return graph.probe<RosDiagnosticArray>('/diagnostics', 'diagnostic_msgs/msg/DiagnosticArray');
}

async function waitForDiagnostics(
  probe: TopicProbe<RosDiagnosticArray>,
  predicate: (diag: RosDiagnosticArray) => boolean,
  timeoutMs = 5000,
): Promise<RosDiagnosticArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe.messages.find(predicate);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no matching /diagnostics; last: ${JSON.stringify(probe.last())}`);
    await probe.waitFor(probe.messages.length + 1, deadline - Date.now()).catch(() => undefined);
  }
}

const COLOURS: Rgb[] = PALETTE.map((p) => p.rgb);
const MONO_COLOURS: Array<{ rgb: Rgb; label: string }> = [
  { rgb: [255, 255, 255], label: 'white' },
  { rgb: [0, 0, 0], label: 'black' },
  { rgb: [128, 128, 128], label: 'gray' },
];

describe('ClassifierNode through the rclnodejs double', () => {
  it('classifies every raw encoding on two cameras and JPEG/PNG, publishing on the right topics with the source headers', async () => {
    harness = await startHarness({
      argv: rosArgs(
        '--params-file',
        PARAMS_FILE,
        '-p',
        "image_topics:=['/cam0/image_raw', '/cam1/image_raw', '/cam1/image_raw/compressed']",
        '-p',
        'queue_policy:=drop_oldest',
        '-p',
        'queue_depth:=50',
      ),
    });
    const { graph } = harness.double;
    harness.control.latencyMs = 5;
    expect(harness.node.cameraTopics).toEqual(['/cam0/image_raw', '/cam1/image_raw', '/cam1/image_raw/compressed']);
    const results = graph.probe<RosEdgenextClassification>('/classifier/classification', RESULT);
    const vision = graph.probe<VisionClassification>(
      '/classifier/vision/classification',
      'vision_msgs/msg/Classification',
    );
    const cams = {
      cam0: graph.publisher('/cam0/image_raw', IMAGE),
      cam1: graph.publisher('/cam1/image_raw', IMAGE),
      compressed: graph.publisher('/cam1/image_raw/compressed', COMPRESSED),
    };
    expect(cams.cam0.subscriptionCount).toBe(1);

    const expected: Array<{ topic: string; frameId: string; i: number; label: string }> = [];
    let i = 0;
    for (const encoding of ALL_RAW_ENCODINGS) {
      for (const cam of ['cam0', 'cam1'] as const) {
        const pick =
          encoding === 'mono8'
            ? MONO_COLOURS[i % 3]
            : { rgb: COLOURS[i % COLOURS.length], label: PALETTE[i % COLOURS.length]?.label };
        const padding = i % 2 === 0 ? 0 : 6;
        const frame = uniformFrame(encoding, 8, 6, pick?.rgb as Rgb, padding);
        const frameId = `${cam}_optical_frame`;
        cams[cam].publish(imageMsg(frame, i, frameId));
        expected.push({ topic: `/${cam}/image_raw`, frameId, i, label: pick?.label as string });
        i++;
        // One frame at a time, so that each result can be matched to its frame.
        await results.waitFor(expected.length);
      }
    }
    for (const [format, rosFormat] of [
      ['jpeg', 'jpeg'],
      ['png', 'png'],
      ['jpeg', 'bgr8; jpeg compressed bgr8'],
    ] as const) {
      const entry = PALETTE[i % PALETTE.length] as { label: string; rgb: Rgb };
      const data = await encodeCompressed(format, entry.rgb);
      cams.compressed.publish({
        header: { stamp: stampOf(i), frame_id: 'cam1_optical_frame' },
        format: rosFormat,
        data,
      });
      expected.push({ topic: '/cam1/image_raw/compressed', frameId: 'cam1_optical_frame', i, label: entry.label });
      i++;
      await results.waitFor(expected.length);
    }

    const got = await results.waitFor(expected.length);
    got.forEach((msg, n) => {
      const want = expected[n];
      expect({
        topic: msg.source_topic,
        frame: msg.header.frame_id,
        stamp: msg.header.stamp,
        top1: msg.labels[0],
      }).toEqual({
        topic: want?.topic,
        frame: want?.frameId,
        stamp: stampOf(want?.i ?? -1),
        top1: want?.label,
      });
      expect(msg.model_name).toBe('palette_test_model');
      expect(msg.backend).toBe('onnx');
      expect(msg.labels).toHaveLength(5);
      expect(Array.from(msg.class_ids)).toEqual(msg.labels.map((l) => PALETTE.findIndex((p) => p.label === l)));
      const scores = Array.from(msg.scores);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(msg.unknown).toBe(false);
      expect(msg.inference_ms).toBeGreaterThanOrEqual(4);
    });
    // vision_msgs: class_id is the decimal class index, names travel in LabelInfo.
    const visionMsgs = await vision.waitFor(expected.length);
    expect(visionMsgs[0]?.header).toEqual(got[0]?.header);
    expect(visionMsgs[0]?.results.map((r) => r.class_id)).toEqual(Array.from(got[0]?.class_ids ?? []).map(String));
    expect(visionMsgs[0]?.results[0]?.score).toBeCloseTo(got[0]?.scores[0] ?? -1, 5);

    // Latched outputs reach a subscriber that joins late, and only a transient-local one.
    const labelInfo = graph.probe<{ class_map: Array<{ class_id: number; class_name: string }>; threshold: number }>(
      '/classifier/vision/label_info',
      'vision_msgs/msg/LabelInfo',
      { durability: Durability.transientLocal },
    );
    const card = graph.probe<{ data: string }>('/classifier/model_card', 'std_msgs/msg/String', {
      durability: Durability.transientLocal,
    });
    const [info] = await labelInfo.waitFor(1);
    expect(info?.class_map.map((c) => c.class_name)).toEqual(PALETTE.map((p) => p.label));
    expect(info?.class_map[2]).toEqual({ class_id: 2, class_name: 'blue' });
    const [cardMsg] = await card.waitFor(1);
    expect(JSON.parse(cardMsg?.data ?? '{}')).toMatchObject({
      modelName: 'palette_test_model',
      fileSha256: 'ab'.repeat(32),
      backend: 'onnx',
      inputWidth: 1,
      inputFormat: 'float32_nchw_rgb',
      syntheticWeights: true,
      warmupLatencyMs: 1.5,
      labelCount: PALETTE.length,
    });
  });

  it('counts unsupported and malformed messages without crashing, logs each problem once, and reports them in /diagnostics', async () => {
    harness = await startHarness({
      argv: rosArgs(
        '--params-file',
        PARAMS_FILE,
        '-p',
        "image_topics:=['/cam0/image_raw', '/cam0/image_raw/compressed']",
        '-p',
        'queue_policy:=drop_oldest',
        '-p',
        'queue_depth:=50',
        '-p',
        'diagnostics_period:=0.1',
        '-p',
        'qos_depth:=100',
      ),
    });
    const { graph } = harness.double;
    const diagnostics = diagnosticsProbe(graph);
    const results = graph.probe<RosEdgenextClassification>('/classifier/classification', RESULT);
    const raw = graph.publisher('/cam0/image_raw', IMAGE);
    const compressed = graph.publisher('/cam0/image_raw/compressed', COMPRESSED);
    const good = uniformFrame('rgb8', 8, 6, [255, 0, 0]);

    // Wrong step: shorter than a row.
    raw.publish(imageMsg({ ...good, step: 8 * 3 - 1, data: good.data.subarray(0, 23 * 6).slice() }, 1, 'f'));
    // Truncated pixel data: fewer than step * height bytes.
    raw.publish(imageMsg({ ...good, data: good.data.slice(0, 50) }, 2, 'f'));
    // Zero size.
    raw.publish(imageMsg({ width: 0, height: 0, encoding: 'rgb8', step: 0, data: new Uint8Array(0) }, 3, 'f'));
    // Unknown encodings, three times (logged once).
    for (const n of [4, 5, 6]) raw.publish(imageMsg({ ...good, encoding: 'bayer_rggb8' }, n, 'f'));
    // CDR that does not decode at all.
    const cdr = encodeMessage(IMAGE, imageMsg(good, 7, 'f'));
    raw.publish(Buffer.from(cdr.subarray(0, 30)));
    // Corrupt JPEG, and an empty buffer on the compressed topic.
    const jpeg = await encodeCompressed('jpeg', [0, 0, 255]);
    compressed.publish({ header: { stamp: stampOf(8), frame_id: 'f' }, format: 'jpeg', data: jpeg.slice(0, 40) });
    compressed.publish(Buffer.alloc(0));
    // The node keeps working.
    raw.publish(imageMsg(good, 9, 'good_raw'));
    compressed.publish({ header: { stamp: stampOf(10), frame_id: 'good_jpeg' }, format: 'jpeg', data: jpeg });

    const done = await results.waitFor(2);
    expect(done.map((m) => [m.header.frame_id, m.labels[0]]).sort()).toEqual([
      ['good_jpeg', 'blue'],
      ['good_raw', 'red'],
    ]);
    const rawStatus = 'classifier: camera /cam0/image_raw';
    const jpegStatus = 'classifier: camera /cam0/image_raw/compressed';
    const diag = await waitForDiagnostics(
      diagnostics,
      (d) => diagValue(d, rawStatus, 'published') === '1' && diagValue(d, jpegStatus, 'published') === '1',
    );
    expect({
      received: diagValue(diag, rawStatus, 'received'),
      malformed: diagValue(diag, rawStatus, 'dropped.malformed'),
      unsupported: diagValue(diag, rawStatus, 'dropped.unsupported_encoding'),
      dropped: diagValue(diag, rawStatus, 'dropped'),
    }).toEqual({ received: '8', malformed: '4', unsupported: '3', dropped: '7' });
    expect({
      received: diagValue(diag, jpegStatus, 'received'),
      decode: diagValue(diag, jpegStatus, 'dropped.decode_error'),
      malformed: diagValue(diag, jpegStatus, 'dropped.malformed'),
    }).toEqual({ received: '3', decode: '1', malformed: '1' });
    const rawLevel = diag.status.find((s) => s.name === rawStatus);
    expect(rawLevel?.hardware_id).toBe('/cam0/image_raw');
    expect(diag.status.find((s) => s.name === 'classifier: backend')?.level).toBe(0);

    const warnings = graph.logs.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warnings.filter((m) => m.includes('bayer_rggb8'))).toHaveLength(1);
    expect(warnings.filter((m) => m.includes('cannot decode sensor_msgs/msg/Image'))).toHaveLength(1);
    expect(harness.node.stats()?.sources.map((s) => s.name)).toEqual(['/cam0/image_raw', '/cam0/image_raw/compressed']);
  });

  it('reports a failing backend as ERROR and a camera dropping most frames as WARN', async () => {
    harness = await startHarness({
      argv: rosArgs('-p', "image_topics:=['cam']", '-p', 'diagnostics_period:=0.1', '-p', 'drop_warn_ratio:=0.2'),
    });
    const { graph } = harness.double;
    const diagnostics = diagnosticsProbe(graph);
    harness.control.failNext = 100;
    const cam = graph.publisher('/cam', IMAGE);
    for (let n = 0; n < 3; n++) {
      cam.publish(imageMsg(uniformFrame('bgr8', 4, 4, [0, 255, 0]), n, 'f'));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const diag = await waitForDiagnostics(diagnostics, (d) =>
      d.status.some((s) => s.name === 'classifier: backend' && s.level === 2),
    );
    expect(diag.status.find((s) => s.name === 'classifier: backend')?.message).toMatch(/every inference call failed/);
    const camDiag = await waitForDiagnostics(diagnostics, (d) =>
      d.status.some((s) => s.name === 'classifier: camera /cam' && s.level === 1 && /dropped/.test(s.message)),
    );
    expect(diagValue(camDiag, 'classifier: camera /cam', 'dropped.backend_error')).not.toBe('0');
  });

  it('applies top_k, score_threshold and queue_policy live and refuses bad values with the reason', async () => {
    harness = await startHarness({
      argv: rosArgs(
        '--params-file',
        PARAMS_FILE,
        '-p',
        "image_topics:=['cam']",
        '-p',
        'qos_depth:=10',
        '-p',
        'max_inflight:=1',
      ),
    });
    const { graph } = harness.double;
    const [rosNode] = [...harness.double.nodes];
    if (rosNode === undefined) throw new Error('no node');
    const results = graph.probe<RosEdgenextClassification>('/classifier/classification', RESULT);
    const cam = graph.publisher('/cam', IMAGE);
    // Between red and gray: top score about 0.9.
    const reddish = uniformFrame('rgb8', 4, 4, [200, 60, 60]);

    expect(rosNode.setParameter(new Parameter('top_k', 2, 3n))).toEqual({ successful: true, reason: '' });
    expect(rosNode.setParameter(new Parameter('score_threshold', 3, 0.99))).toEqual({ successful: true, reason: '' });
    cam.publish(imageMsg(reddish, 1, 'f'));
    const [first] = await results.waitFor(1);
    expect(first?.labels).toHaveLength(3);
    expect(first?.labels[0]).toBe('red');
    expect(first?.scores[0]).toBeLessThan(0.99);
    expect(first?.unknown).toBe(true);
    // LabelInfo is republished with the new threshold.
    const labelInfo = graph.probe<{ threshold: number }>('/classifier/vision/label_info', 'vision_msgs/msg/LabelInfo', {
      durability: Durability.transientLocal,
    });
    expect((await labelInfo.waitFor(1))[0]?.threshold).toBeCloseTo(0.99, 5);

    // Refusals carry the reason; nothing changes.
    const refusals = [
      rosNode.setParameter(new Parameter('queue_policy', 4, 'newest')),
      rosNode.setParameter(new Parameter('top_k', 2, 0n)),
      rosNode.setParameter(new Parameter('model', 4, 'x_small')),
      rosNode.setParameter(new Parameter('score_threshold', 2, 1n)),
      rosNode.setParameter(new Parameter('image_topics', 9, ['other'])),
    ];
    expect(refusals.map((r) => r.successful)).toEqual([false, false, false, false, false]);
    expect(refusals[0]?.reason).toBe(
      "parameter queue_policy = 'newest' is not one of: 'latest', 'drop_oldest', 'drop_newest'",
    );
    // The project's reasons, not rclnodejs' descriptor texts ("Parameter top_k does not  readonly").
    expect(refusals[1]?.reason).toBe('parameter top_k = 0 is out of range [1, 100]');
    expect(refusals[2]?.reason).toBe(
      'parameter model is read-only while the node runs: restart the node with the new value ' +
        '(-p model:=<value>, the params file, or the launch argument)',
    );
    expect(refusals[3]?.reason).toBe(
      'parameter score_threshold must be double, got integer (write doubles with a decimal point, e.g. 1.0)',
    );
    expect(refusals[4]?.reason).toMatch(/^parameter image_topics is read-only while the node runs/);
    expect(rosNode.setParameter(new Parameter('score_threshold', 3, 1.5)).reason).toBe(
      'parameter score_threshold = 1.5 is out of range [0, 1]',
    );
    expect(harness.node.settings.queuePolicy).toBe('latest');
    expect(harness.node.settings.topK).toBe(3);

    // queue_policy: with a slow backend and a burst of 5 frames, drop_newest keeps the oldest waiting frame, latest the newest.
    harness.control.latencyMs = 80;
    const burst = async (policy: string, base: number): Promise<number[]> => {
      expect(rosNode.setParameter(new Parameter('queue_policy', 4, policy)).successful).toBe(true);
      const before = results.messages.length;
      for (let n = 0; n < 5; n++) cam.publish(imageMsg(reddish, base + n, 'burst'));
      await results.waitFor(before + 2);
      // Anything more would arrive within one more inference (80 ms).
      await new Promise((resolve) => setTimeout(resolve, 200));
      return results.messages.slice(before).map((m) => m.header.stamp.sec - 1_700_000_000 - base);
    };
    const dropNewest = await burst('drop_newest', 100);
    const latest = await burst('latest', 200);
    // Frame 0 is inferring; nothing is taken ahead, so the one-frame buffer keeps frame 1 under drop_newest and
    // the newest, frame 4, under latest.
    expect(dropNewest).toEqual([0, 1]);
    expect(latest).toEqual([0, 4]);
    expect(harness.node.settings.queuePolicy).toBe('latest');
  });

  it('publishes EMA-smoothed scores on ~/classification/smoothed when smoothing_alpha > 0', async () => {
    harness = await startHarness({
      argv: rosArgs(
        '-p',
        "image_topics:=['cam']",
        '-p',
        'smoothing_alpha:=0.5',
        '-p',
        'queue_policy:=drop_oldest',
        '-p',
        'queue_depth:=10',
        '-p',
        'qos_depth:=10',
      ),
    });
    const { graph } = harness.double;
    const raw = graph.probe<RosEdgenextClassification>('/classifier/classification', RESULT);
    const smoothed = graph.probe<RosEdgenextClassification>('/classifier/classification/smoothed', RESULT);
    const cam = graph.publisher('/cam', IMAGE);
    cam.publish(imageMsg(uniformFrame('rgb8', 4, 4, [255, 0, 0]), 1, 'f'));
    await smoothed.waitFor(1);
    cam.publish(imageMsg(uniformFrame('rgb8', 4, 4, [0, 0, 255]), 2, 'f'));
    const [s1, s2] = await smoothed.waitFor(2);
    const [r1, r2] = await raw.waitFor(2);
    expect(s2?.header).toEqual(r2?.header);
    // After red then blue with alpha 0.5: red = 0.25 * p_red(1), blue = 0.5 * p_blue(2): blue leads.
    expect(s1?.labels[0]).toBe('red');
    expect(s1?.scores[0]).toBeCloseTo((r1?.scores[0] ?? 0) * 0.5, 5);
    expect(s2?.labels.slice(0, 2)).toEqual(['blue', 'red']);
    expect(s2?.scores[0]).toBeCloseTo((r2?.scores[0] ?? 0) * 0.5, 5);
    expect(s2?.scores[1]).toBeCloseTo((r1?.scores[0] ?? 0) * 0.25, 5);
  });

  it('encodes the vision_msgs result only while someone subscribes to it; ~/classification always', async () => {
    harness = await startHarness({ argv: rosArgs('-p', "image_topics:=['cam']", '-p', 'queue_policy:=drop_oldest') });
    const { graph } = harness.double;
    const raw = graph.probe<RosEdgenextClassification>('/classifier/classification', RESULT);
    const cam = graph.publisher('/cam', IMAGE);
    for (let i = 1; i <= 3; i++) {
      cam.publish(imageMsg(uniformFrame('rgb8', 4, 4, [255, 0, 0]), i, 'f'));
      await raw.waitFor(i);
    }
    expect(graph.sentCount('/classifier/classification')).toBe(3);
    expect(graph.sentCount('/classifier/vision/classification')).toBe(0);
    const vision = graph.probe<VisionClassification>(
      '/classifier/vision/classification',
      'vision_msgs/msg/Classification',
    );
    cam.publish(imageMsg(uniformFrame('rgb8', 4, 4, [0, 0, 255]), 4, 'f'));
    const [late] = await vision.waitFor(1);
    expect(late?.header.stamp).toEqual(stampOf(4));
    expect(graph.sentCount('/classifier/vision/classification')).toBe(1);
  });

  it('subscribes best effort by default; a reliable subscription (qos_reliability) gets nothing from a best-effort camera', async () => {
    harness = await startHarness({ argv: rosArgs('-p', "image_topics:=['cam']", '-p', 'qos_reliability:=reliable') });
    const { graph } = harness.double;
    const results = graph.probe<RosEdgenextClassification>('/classifier/classification', RESULT);
    graph
      .publisher('/cam', IMAGE, { reliability: Reliability.bestEffort })
      .publish(imageMsg(uniformFrame('rgb8', 4, 4, [0, 255, 0]), 1, 'be'));
    graph
      .publisher('/cam', IMAGE, { reliability: Reliability.reliable })
      .publish(imageMsg(uniformFrame('rgb8', 4, 4, [0, 255, 0]), 2, 'rel'));
    const [only] = await results.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(results.messages).toHaveLength(1);
    expect(only?.header.frame_id).toBe('rel');
  });
});
