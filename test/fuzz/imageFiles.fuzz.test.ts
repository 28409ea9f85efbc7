/**
 * Fuzzing classify's image path: mutated JPEG and PNG bytes through classifyImage (sharp decoding, the real
 * preprocessing) with a backend that costs nothing. Every input must end classified or refused with decode_error.
 */
import { fc, test } from '@fast-check/jest';
import sharp from 'sharp';
import type { InferenceBackend } from '../../src/core/backend';
import { ErrorCodes } from '../../src/core/errors';
import { softmax, topK } from '../../src/core/postprocess';
import { preprocessImage } from '../../src/image';
import { classifyImage } from '../../src/runtime/classifyImage';
import type { Classifier } from '../../src/runtime/openClassifier';
import { cheapClassifier, CHEAP_LABELS, SMALL_SPEC } from './cheapClassifier';
import {
  applyMutations,
  expectNamedError,
  FUZZ_RUNS,
  FUZZ_SEED,
  mutations,
  Outcomes,
  reportOutcomes,
} from './fuzzSupport';

// 10,000 cases per property take seconds on a quiet machine; leave room for a loaded CI machine.
jest.setTimeout(300_000);

const params = { seed: FUZZ_SEED, numRuns: FUZZ_RUNS };

/** classify's composition (openClassifier) with the cheap backend: compressed images go through sharp. */
function classifierWithRealDecoding(): Classifier {
  const cheap = cheapClassifier();
  return {
    backend: cheap.backend as InferenceBackend,
    card: cheap.card,
    labels: CHEAP_LABELS,
    preprocessSpec: SMALL_SPEC,
    preprocess: (image) => preprocessImage(image, SMALL_SPEC),
    postprocess: (logits, k) => topK(softmax(logits), k, CHEAP_LABELS),
    close: () => Promise.resolve(),
  };
}

async function baseImages(): Promise<Uint8Array[]> {
  const gradient = Buffer.alloc(12 * 9 * 3);
  for (let i = 0; i < gradient.length; i++) gradient[i] = (i * 7) % 256;
  const raw = { raw: { width: 12, height: 9, channels: 3 as const } };
  const rgba = Buffer.alloc(6 * 5 * 4, 200);
  const outputs = await Promise.all([
    sharp(gradient, raw).jpeg({ quality: 80 }).toBuffer(),
    sharp(gradient, raw).jpeg({ quality: 60, progressive: true }).toBuffer(),
    sharp(gradient, raw).png().toBuffer(),
    sharp(gradient, raw).png({ palette: true, colours: 8 }).toBuffer(),
    sharp(rgba, { raw: { width: 6, height: 5, channels: 4 } })
      .png()
      .toBuffer(),
    sharp(gradient, raw).greyscale().jpeg().toBuffer(),
  ]);
  return outputs.map((b) => new Uint8Array(b));
}

const outcomes = new Outcomes();
const classifier = classifierWithRealDecoding();
const rssBefore = process.memoryUsage().rss;
let bases: Uint8Array[] = [];

beforeAll(async () => {
  bases = await baseImages();
});
afterAll(() => reportOutcomes('image files through classify', outcomes, FUZZ_RUNS));

describe('fuzz: image files through classify', () => {
  it('the unmutated images classify', async () => {
    for (const data of bases) {
      const { topK: best } = await classifyImage(classifier, { kind: 'compressed', format: '', data }, 2);
      expect(best).toHaveLength(2);
    }
  });

  // The images exist only once beforeAll ran: generate an index and the edits, and apply them in the property.
  test.prop([fc.nat(), mutations, fc.constantFrom('jpg', 'png', '')], params)(
    'mutated JPEG and PNG files are classified or refused as decode_error',
    async (index, edits, format) => {
      const data = applyMutations(bases[index % bases.length] as Uint8Array, edits);
      const started = performance.now();
      let outcome: string;
      try {
        const result = await classifyImage(classifier, { kind: 'compressed', format, data }, 3);
        expect(result.topK).toHaveLength(3);
        expect(result.topK.every((c) => Number.isFinite(c.score))).toBe(true);
        outcome = 'classified';
      } catch (error) {
        outcome = expectNamedError(error, [ErrorCodes.decodeError, ErrorCodes.malformedFrame]);
      }
      outcomes.add(outcome, performance.now() - started);
    },
  );

  it('accounted for every input, and memory stayed bounded', () => {
    expect(outcomes.cases).toBe(FUZZ_RUNS);
    expect(outcomes.total).toBe(FUZZ_RUNS);
    expect(Object.keys(outcomes.counts())).toEqual(expect.arrayContaining(['classified', ErrorCodes.decodeError]));
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024);
  });
});
