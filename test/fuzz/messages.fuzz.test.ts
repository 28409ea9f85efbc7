/**
 * Fuzzing the message decoder: random bytes, mutated valid CDR of sensor_msgs/Image and CompressedImage, and Image
 * messages whose fields disagree, through decodeImageMessage (and, for decoded raw frames, the raw preprocessing).
 * Every input must end as a decoded frame or an EdgenextError with a named code; nothing else may escape.
 */
import { fc, test } from '@fast-check/jest';
import { ErrorCodes } from '../../src/core/errors';
import { preprocessRaw } from '../../src/image';
import { decodeImageMessage, encodeMessage } from '../../src/messages';
import {
  COMPRESSED,
  disagreeingImage,
  expectNamedError,
  FUZZ_PARAMS,
  FUZZ_RUNS,
  IMAGE,
  mutatedBytes,
  Outcomes,
  reportOutcomes,
  VALID_COMPRESSED,
  VALID_IMAGES,
} from './fuzzSupport';
import { SMALL_SPEC as SPEC } from './cheapClassifier';

// 10,000 cases per property take seconds on a quiet machine; leave room for a loaded CI machine.
jest.setTimeout(300_000);

const params = FUZZ_PARAMS;

/** Decodes one message; returns the outcome name, and checks what a decoded frame promises. */
function decodeOutcome(type: string, cdr: Uint8Array): string {
  try {
    const { header: h, image } = decodeImageMessage(type, cdr);
    expect(typeof h.frameId).toBe('string');
    expect(Number.isInteger(h.stamp.sec) && Number.isInteger(h.stamp.nanosec)).toBe(true);
    if (image.kind === 'raw') {
      expect(image.data.byteLength).toBeGreaterThanOrEqual(image.step * image.height);
      return 'decoded_raw';
    }
    expect(image.data).toBeInstanceOf(Uint8Array);
    return 'decoded_compressed';
  } catch (error) {
    const code = expectNamedError(error, [ErrorCodes.malformedFrame]);
    expect((error as Error).message).toContain(type);
    return code;
  }
}

function timed<T>(fn: () => T): [T, number] {
  const started = performance.now();
  const value = fn();
  return [value, performance.now() - started];
}

const outcomes = {
  randomImage: new Outcomes(),
  randomCompressed: new Outcomes(),
  mutatedImage: new Outcomes(),
  mutatedCompressed: new Outcomes(),
  disagreeing: new Outcomes(),
};
const rssBefore = process.memoryUsage().rss;

afterAll(() => {
  for (const [name, o] of Object.entries(outcomes)) reportOutcomes(`messages: ${name}`, o, FUZZ_RUNS);
});

describe('fuzz: message decoder', () => {
  test.prop([fc.uint8Array({ maxLength: 128 })], params)('random bytes as an Image', (bytes) => {
    outcomes.randomImage.add(...timed(() => decodeOutcome(IMAGE, bytes)));
  });

  test.prop([fc.uint8Array({ maxLength: 128 })], params)('random bytes as a CompressedImage', (bytes) => {
    outcomes.randomCompressed.add(...timed(() => decodeOutcome(COMPRESSED, bytes)));
  });

  test.prop([mutatedBytes(VALID_IMAGES)], params)('mutated valid Image CDR', (bytes) => {
    outcomes.mutatedImage.add(...timed(() => decodeOutcome(IMAGE, bytes)));
  });

  test.prop([mutatedBytes(VALID_COMPRESSED)], params)('mutated valid CompressedImage CDR', (bytes) => {
    outcomes.mutatedCompressed.add(...timed(() => decodeOutcome(COMPRESSED, bytes)));
  });

  test.prop([disagreeingImage], params)(
    'Image fields that disagree (step, height, encoding, data length, huge sizes) through decode and preprocessing',
    (msg) => {
      const [outcome, ms] = timed(() => {
        let image;
        try {
          image = decodeImageMessage(IMAGE, encodeMessage(IMAGE, msg)).image;
        } catch (error) {
          return `decode:${expectNamedError(error, [ErrorCodes.malformedFrame])}`;
        }
        if (image.kind !== 'raw') throw new Error('an Image decoded as compressed');
        try {
          const input = preprocessRaw(image, SPEC);
          expect(input.data).toHaveLength(3 * 8 * 8);
          expect(Array.from(input.data).every(Number.isFinite)).toBe(true);
          return 'preprocessed';
        } catch (error) {
          return `preprocess:${expectNamedError(error, [ErrorCodes.malformedFrame, ErrorCodes.unsupportedEncoding])}`;
        }
      });
      outcomes.disagreeing.add(outcome, ms);
    },
  );

  it('accounted for every input, and memory stayed bounded', () => {
    for (const [name, o] of Object.entries(outcomes)) {
      expect({ name, cases: o.cases, total: o.total }).toEqual({ name, cases: FUZZ_RUNS, total: FUZZ_RUNS });
    }
    // Both outcomes occur: the generators reach past the checks and into them.
    expect(Object.keys(outcomes.mutatedImage.counts())).toEqual(
      expect.arrayContaining(['decoded_raw', ErrorCodes.malformedFrame]),
    );
    expect(Object.keys(outcomes.disagreeing.counts())).toEqual(
      expect.arrayContaining(['preprocessed', 'decode:malformed_frame', 'preprocess:malformed_frame']),
    );
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
  });
});
