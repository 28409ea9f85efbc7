import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { classifyFile } from '../../src/cli/commands/classify';
import { stampToNs } from '../../src/core/image';
import { decodeCompressed, readImageFile } from '../../src/image';
import { makeImageBag } from '../../src/bagmake';
import { replayBag, type ReplayResult } from '../../src/replay';
import { openClassifier, type Classifier } from '../../src/runtime/openClassifier';
import { TEST_MODEL_DIR } from './testModelDir';
import { copyFixtureBags, FIXTURES, removeDir } from '../bag/fixtureBags';

/** The bundled default model (synthetic weights) through openClassifier, as `edgenext classify` uses it. */
let classifier: Classifier;
let tmp: string;
let fixtures: string;
beforeAll(async () => {
  classifier = await openClassifier({ backend: 'onnx', modelDir: TEST_MODEL_DIR });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-e2e-'));
  fixtures = await copyFixtureBags(['images_2x2_mono8_sqlite3']);
});
afterAll(async () => {
  await classifier.close();
  await removeDir(tmp);
  await removeDir(fixtures);
});

const IMAGES = ['caffe_cat.jpg', 'darknet_eagle.jpg', 'caffe_cat_gray.jpg', 'pillow_hopper_orientation_6.jpg'].map(
  (f) => path.join(FIXTURES, 'images', f),
);

async function replayResults(bagDir: string): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  const summary = await replayBag(
    { bagPath: bagDir, pace: { mode: 'max_speed' }, topK: 5, onResult: (r) => results.push(r) },
    classifier,
  );
  expect(summary.droppedTotal).toBe(0);
  expect(summary.model.syntheticWeights).toBe(true);
  return results.sort((a, b) => (a.logTimeNs < b.logTimeNs ? -1 : 1));
}

function expectSameTopK(
  actual: readonly { classId: number; score: number }[],
  expected: readonly { classId: number; score: number }[],
): void {
  expect(actual.map((k) => k.classId)).toEqual(expected.map((k) => k.classId));
  actual.forEach((k, i) => expect(k.score).toBeCloseTo(expected[i]!.score, 6));
}

describe.each(['mcap', 'sqlite3'] as const)('round trip through a %s bag with the real classifier', (storage) => {
  it('jpeg CompressedImage bag -> replay = `edgenext classify` on the same files', async () => {
    const dir = path.join(tmp, `jpeg_${storage}`);
    const made = await makeImageBag({
      inputs: IMAGES,
      outDir: dir,
      storage,
      encoding: 'jpeg',
      startTimeNs: 1_000_000_000n,
    });
    const results = await replayResults(dir);
    expect(results.map((r) => stampToNs(r.classification.header.stamp))).toEqual(made.stampsNs);
    for (const [i, file] of IMAGES.entries()) {
      const expected = await classifyFile(classifier, file, 5);
      expect(expected.error).toBeUndefined();
      expectSameTopK(results[i]!.classification.topK, expected.topK ?? []);
    }
  });

  it.each(['bgr8', 'rgb8'] as const)(
    '%s Image bag -> replay = `edgenext classify` on the same files',
    async (encoding) => {
      const dir = path.join(tmp, `${encoding}_${storage}`);
      await makeImageBag({ inputs: IMAGES, outDir: dir, storage, encoding, startTimeNs: 1_000_000_000n });
      const results = await replayResults(dir);
      for (const [i, file] of IMAGES.entries()) {
        const expected = await classifyFile(classifier, file, 5);
        expectSameTopK(results[i]!.classification.topK, expected.topK ?? []);
        // The same numbers as the classifier on the decoded pixels, raw path (what the ROS node does per frame).
        const [logits] = await classifier.backend.infer([
          await classifier.preprocess(await decodeCompressed(await readImageFile(file))),
        ]);
        expectSameTopK(results[i]!.classification.topK, classifier.postprocess(logits!, 5));
      }
    },
  );
});

it('the 2x2 mono8 fixture bag replays through the real preprocessing (upsampled), 3 results', async () => {
  const results = await replayResults(path.join(fixtures, 'images_2x2_mono8_sqlite3'));
  expect(results.length).toBe(3);
  for (const r of results) {
    expect(r.classification.topK.length).toBe(5);
    expect(r.classification.header.frameId).toBe('camera_optical_frame');
  }
});
