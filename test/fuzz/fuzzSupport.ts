/**
 * Shared generators and bookkeeping for the property-based fuzz suites (fast-check). Every suite runs with a fixed
 * seed in `npm test` (FUZZ_SEED / FUZZ_RUNS override them for longer runs: `npm run bench` has a fuzz section).
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { RAW_ENCODINGS } from '../../src/core/image';
import { encodeMessage } from '../../src/messages';
import { EdgenextError, type ErrorCode } from '../../src/core/errors';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261206);
/** Generated cases per property; the issue asks for at least 10,000 per run. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
/** Longest a single case may take before it counts as a hang (generous: the CI machine is shared; a real hang never ends). */
export const CASE_TIME_LIMIT_MS = 10_000;

/** One edit of a byte string; positions are taken modulo the current length. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'u32'; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0, 0x7f, 0x80, 0xff) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  // Length and size fields are 32-bit: overwrite one with an extreme or small value.
  fc.record({
    kind: fc.constant('u32' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff), fc.nat(1 << 20)),
  }),
);

function apply(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  if (n === 0) return m.kind === 'insert' ? m.bytes.slice() : bytes;
  const at = m.at % n;
  const out = bytes.slice();
  switch (m.kind) {
    case 'flip':
      out[at] = (out[at] as number) ^ (1 << m.bit);
      return out;
    case 'set':
      out[at] = m.value;
      return out;
    case 'truncate':
      return out.subarray(0, at);
    case 'insert': {
      const grown = new Uint8Array(n + m.bytes.length);
      grown.set(bytes.subarray(0, at));
      grown.set(m.bytes, at);
      grown.set(bytes.subarray(at), at + m.bytes.length);
      return grown;
    }
    case 'delete':
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + m.count)]);
    case 'u32': {
      if (at + 4 > n) return out;
      new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(at, m.value, true);
      return out;
    }
  }
}

/** 1 to 4 edits, to apply with applyMutations (for inputs that exist only once the test runs). */
export const mutations: fc.Arbitrary<Mutation[]> = fc.array(mutation, { minLength: 1, maxLength: 4 });

export function applyMutations(base: Uint8Array, edits: readonly Mutation[]): Uint8Array {
  return edits.reduce(apply, base);
}

/** 1 to 4 mutations of `base` (one of the given valid inputs). */
export function mutatedBytes(bases: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.nat(bases.length - 1), mutations)
    .map(([i, edits]) => applyMutations(bases[i] as Uint8Array, edits));
}

/** Sizes that break arithmetic: zero, odd, one more than fits, the 31- and 32-bit extremes. */
export const sizeField = fc.oneof(
  fc.nat(40),
  fc.constantFrom(0, 1, 2, 3, 4, 8, 65535, 0x7fffffff, 0x80000000, 0xffffffff),
  fc.nat(0xffffffff),
);

export const encodingField = fc.oneof(
  fc.constantFrom(...RAW_ENCODINGS),
  fc.constantFrom('', 'jpeg', '16UC1', 'rgb16', 'bayer_rggb8', 'RGB8', 'mono16', '8UC3'),
  fc.string({ maxLength: 12 }),
);

/** An Image message whose fields need not agree with each other or with its data. */
export const disagreeingImage = fc.record({
  header: fc.record({
    stamp: fc.record({ sec: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), nanosec: fc.nat(0xffffffff) }),
    frame_id: fc.string({ maxLength: 8 }),
  }),
  height: sizeField,
  width: sizeField,
  encoding: encodingField,
  is_bigendian: fc.nat(255),
  step: sizeField,
  data: fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.integer({ min: 0, max: 4096 }).map((n) => new Uint8Array(n).fill(0x80)),
  ),
});

/** Raises unless `error` is the product's error with one of `codes`: anything else escaped the input checks. */
export function expectNamedError(error: unknown, codes: readonly ErrorCode[]): ErrorCode {
  if (!(error instanceof EdgenextError)) {
    throw new Error(`an input escaped as ${String(error)} instead of an EdgenextError`, { cause: error });
  }
  if (!codes.includes(error.code)) {
    throw new Error(`unexpected error code ${error.code} (${error.message})`, { cause: error });
  }
  if (error.message.length === 0) throw new Error('an error without a message');
  return error.code;
}

/** Counts what became of every generated input: each ends as exactly one outcome. */
export class Outcomes {
  readonly #counts = new Map<string, number>();
  cases = 0;
  slowestMs = 0;

  add(outcome: string, elapsedMs: number): void {
    this.cases++;
    this.#counts.set(outcome, (this.#counts.get(outcome) ?? 0) + 1);
    this.slowestMs = Math.max(this.slowestMs, elapsedMs);
    if (elapsedMs > CASE_TIME_LIMIT_MS) throw new Error(`a case took ${elapsedMs.toFixed(0)} ms (hang)`);
  }

  get total(): number {
    let n = 0;
    for (const v of this.#counts.values()) n += v;
    return n;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}

/**
 * For the fuzz bench (bench/fuzz.ts): when FUZZ_REPORT names a file, appends one JSON line per property with the
 * cases tried, the slowest case, the outcomes, and the inputs not accounted for (expected minus recorded outcomes).
 */
export function reportOutcomes(name: string, outcomes: Outcomes, expected: number, unaccountedExtra = 0): void {
  const file = process.env.FUZZ_REPORT;
  if (file === undefined || file === '') return;
  const line = {
    name,
    cases: outcomes.cases,
    unaccounted: Math.max(0, expected - outcomes.total) + unaccountedExtra,
    slowestMs: Math.round(outcomes.slowestMs),
    outcomes: outcomes.counts(),
  };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

export const IMAGE = 'sensor_msgs/msg/Image';
export const COMPRESSED = 'sensor_msgs/msg/CompressedImage';
/** The fast-check parameters of every property: the fixed seed and FUZZ_RUNS cases. */
export const FUZZ_PARAMS = { seed: FUZZ_SEED, numRuns: FUZZ_RUNS };

const header = { stamp: { sec: 1_700_000_000, nanosec: 5 }, frame_id: 'cam' };
const image = (height: number, width: number, encoding: string, step: number, data: Uint8Array): Uint8Array =>
  encodeMessage(IMAGE, { header, height, width, encoding, is_bigendian: 0, step, data });

/** Valid Image CDR to mutate: packed, 4:2:0 and 4:2:2 layouts. */
export const VALID_IMAGES = [
  image(2, 4, 'bgr8', 12, new Uint8Array(24).fill(90)),
  image(4, 4, 'nv12', 4, new Uint8Array(24).fill(60)),
  image(2, 2, 'yuv422_yuy2', 4, new Uint8Array(8)),
];

/** Valid CompressedImage CDR to mutate: JPEG and PNG signatures (the payload itself is not a whole image). */
export const VALID_COMPRESSED = [
  encodeMessage(COMPRESSED, {
    header,
    format: 'jpeg',
    data: Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]),
  }),
  encodeMessage(COMPRESSED, {
    header,
    format: 'png',
    data: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  }),
];
