import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stampToNs } from '../../src/core/image';
import { replayBag, type ReplayResult } from '../../src/replay';
import { openClassifier } from '../../src/runtime/openClassifier';
import { TEST_MODEL_DIR } from './testModelDir';

/**
 * Golden-output regression: the demo bag replayed with the bundled synthetic-weight model (deterministic) must
 * give the recorded top-5 for every header stamp. Regenerate after an intended change with
 * `npm run goldens:update` (see test/goldens/README.md).
 */
const DEMO = path.resolve(__dirname, '../../demo/edgenext_demo');
const GOLDEN = path.resolve(__dirname, '../goldens/edgenext_demo.json');
const UPDATE = process.env['UPDATE_GOLDENS'] === '1';
/** Scores may differ in the last float bits between CPUs (SIMD paths); classes may swap only inside this. */
const SCORE_TOLERANCE = 1e-5;

interface GoldenEntry {
  topic: string;
  stampNs: string;
  topK: { classId: number; label: string; score: number }[];
}

interface Golden {
  bag: string;
  model: string;
  modelSha256: string;
  syntheticWeights: boolean;
  topK: number;
  note: string;
  results: GoldenEntry[];
}

async function replayDemo(): Promise<Golden> {
  const classifier = await openClassifier({ backend: 'onnx', modelDir: TEST_MODEL_DIR });
  try {
    const results: ReplayResult[] = [];
    const summary = await replayBag(
      { bagPath: DEMO, pace: { mode: 'max_speed' }, topK: 5, onResult: (r) => results.push(r) },
      classifier,
    );
    expect(summary.droppedTotal).toBe(0);
    return {
      bag: 'demo/edgenext_demo',
      model: classifier.card.modelName,
      modelSha256: classifier.card.fileSha256,
      syntheticWeights: classifier.card.syntheticWeights,
      topK: 5,
      note: 'synthetic weights: class labels are not meaningful; this file only pins the numbers',
      results: results
        .map((r) => ({
          topic: r.topic,
          stampNs: stampToNs(r.classification.header.stamp).toString(),
          topK: r.classification.topK.map((k) => ({
            classId: k.classId,
            label: k.label,
            score: Number(k.score.toPrecision(7)),
          })),
        }))
        .sort((a, b) => (BigInt(a.stampNs) < BigInt(b.stampNs) ? -1 : 1)),
    };
  } finally {
    await classifier.close();
  }
}

/** Same classes in the same order, except neighbours whose scores are within the tolerance (near ties). */
function expectSameTopK(actual: GoldenEntry, expected: GoldenEntry): void {
  expect(actual.topK.length).toBe(expected.topK.length);
  const expectedScore = new Map(expected.topK.map((k) => [k.classId, k.score]));
  actual.topK.forEach((k, i) => {
    const e = expected.topK[i]!;
    expect({ stampNs: actual.stampNs, rank: i, diff: Math.abs(k.score - e.score) < SCORE_TOLERANCE }).toEqual({
      stampNs: actual.stampNs,
      rank: i,
      diff: true,
    });
    if (k.classId !== e.classId) {
      const same = expectedScore.get(k.classId);
      expect({
        stampNs: actual.stampNs,
        rank: i,
        tie: same !== undefined && Math.abs(same - e.score) < SCORE_TOLERANCE,
      }).toEqual({
        stampNs: actual.stampNs,
        rank: i,
        tie: true,
      });
    }
  });
}

describe('golden outputs of the demo bag', () => {
  it('replay gives the recorded top-5 per header stamp', async () => {
    const actual = await replayDemo();
    if (UPDATE) await writeFile(GOLDEN, `${JSON.stringify(actual, null, 1)}\n`);
    const expected = JSON.parse(await readFile(GOLDEN, 'utf8')) as Golden;
    expect(actual.model).toBe(expected.model);
    expect(actual.modelSha256).toBe(expected.modelSha256);
    expect(actual.syntheticWeights).toBe(true);
    expect(actual.results.map((r) => r.stampNs)).toEqual(expected.results.map((r) => r.stampNs));
    actual.results.forEach((r, i) => expectSameTopK(r, expected.results[i]!));
  });
});
