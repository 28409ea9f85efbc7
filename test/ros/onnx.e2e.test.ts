/**
 * The node with the real classifier (src/runtime openClassifier: the bundled synthetic EdgeNeXt xx_small on ONNX
 * Runtime) on the rclnodejs double: a JPEG and a raw bgr8 frame of a real photograph give exactly the top-5 that the
 * classifier gives for the same image outside ROS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { RosEdgenextClassification } from '../../src/messages';
import { openClassifier, type ClassifierOptions } from '../../src/runtime/openClassifier';
import { FIXTURE_IMAGES } from '../support/paths';
import { Durability } from './double/rclnodejsDouble';
import { rosArgs, stampOf, startHarness } from './support/harness';

const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgenext-ros-model-'));
const open = (options: ClassifierOptions) => openClassifier({ ...options, modelDir, maxInflight: 1 });

it('classifies CompressedImage and raw Image messages with the real ONNX classifier, as the classifier does directly', async () => {
  const jpeg = new Uint8Array(fs.readFileSync(path.join(FIXTURE_IMAGES, 'Zebra.jpg')));
  const { data: bgr, info } = await sharp(jpeg)
    .resize(320, 240)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  for (let i = 0; i < bgr.length; i += 3) [bgr[i], bgr[i + 2]] = [bgr[i + 2] as number, bgr[i] as number];
  const raw = {
    kind: 'raw' as const,
    width: info.width,
    height: info.height,
    encoding: 'bgr8',
    step: info.width * 3,
    data: new Uint8Array(bgr),
  };

  // Reference: the classifier alone.
  const reference = await open({ backend: 'onnx' });
  const expected = [];
  try {
    for (const image of [{ kind: 'compressed' as const, format: 'jpeg', data: jpeg }, raw]) {
      const [logits] = await reference.backend.infer([await reference.preprocess(image)]);
      expected.push(reference.postprocess(logits as Float32Array, 5).map((c) => c.classId));
    }
  } finally {
    await reference.close();
  }

  const h = await startHarness({
    argv: rosArgs(
      '-p',
      "image_topics:=['cam/image_raw', 'cam/image_raw/compressed']",
      '-p',
      'backend:=onnx',
      '-p',
      'queue_policy:=drop_oldest',
      '-p',
      'queue_depth:=5',
    ),
    openClassifier: open,
  });
  try {
    const { graph } = h.double;
    const results = graph.probe<RosEdgenextClassification>('/classifier/classification', 'edgenext/msg/Classification');
    const card = graph.probe<{ data: string }>('/classifier/model_card', 'std_msgs/msg/String', {
      durability: Durability.transientLocal,
    });
    graph
      .publisher('/cam/image_raw/compressed', 'sensor_msgs/msg/CompressedImage')
      .publish({ header: { stamp: stampOf(1), frame_id: 'zebra_jpeg' }, format: 'jpeg', data: jpeg });
    await results.waitFor(1, 20_000);
    graph.publisher('/cam/image_raw', 'sensor_msgs/msg/Image').publish({
      header: { stamp: stampOf(2), frame_id: 'zebra_raw' },
      height: raw.height,
      width: raw.width,
      encoding: 'bgr8',
      is_bigendian: 0,
      step: raw.step,
      data: raw.data,
    });
    const [fromJpeg, fromRaw] = await results.waitFor(2, 20_000);
    const modelCard = JSON.parse((await card.waitFor(1))[0]?.data ?? '{}') as {
      modelName: string;
      fileSha256: string;
      syntheticWeights: boolean;
      labelsMeaningful: boolean;
      labelsNote: string;
      backend: string;
    };
    expect(modelCard.backend).toBe('onnx');
    expect(modelCard.syntheticWeights).toBe(true);
    expect(modelCard.labelsMeaningful).toBe(false);
    expect(modelCard.labelsNote).toContain('SYNTHETIC WEIGHTS');
    expect(modelCard.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect({
      frame: fromJpeg?.header.frame_id,
      ids: Array.from(fromJpeg?.class_ids ?? []),
      model: fromJpeg?.model_name,
    }).toEqual({
      frame: 'zebra_jpeg',
      ids: expected[0],
      model: modelCard.modelName,
    });
    expect({
      frame: fromRaw?.header.frame_id,
      ids: Array.from(fromRaw?.class_ids ?? []),
      topic: fromRaw?.source_topic,
    }).toEqual({
      frame: 'zebra_raw',
      ids: expected[1],
      topic: '/cam/image_raw',
    });
    expect(fromJpeg?.labels).toHaveLength(5);
    expect(fromJpeg?.backend).toBe('onnx');
  } finally {
    await h.node.stop();
  }
});
