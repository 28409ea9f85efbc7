/**
 * Bag fuzzing at the src/bag reader level (openBag, the public entry): MCAP with uncompressed, zstd and lz4 chunks
 * and the project's own MCAP and sqlite3 writers, truncated at every record boundary and at random offsets, and with
 * random byte flips. Never a crash or a hang; an error names the file and the cause; for MCAP every message before
 * the damage is still read, byte for byte, in order.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fc } from '@fast-check/jest';
import { openBag, type BagMessage } from '../../src/bag';
import { ErrorCodes, EdgenextError } from '../../src/core/errors';
import { bagVariants, mcapRecords, messagesCompleteBefore, type BagVariant, type McapRecord } from './bagVariants';
import { expectNamedError, FUZZ_SEED, Outcomes, reportOutcomes } from './fuzzSupport';

/** Cases per variant for the random offsets and for the byte flips (every record boundary comes on top). */
// 10,000 cases per property take seconds on a quiet machine; leave room for a loaded CI machine.
jest.setTimeout(300_000);

const BAG_RUNS = Number(process.env.FUZZ_BAG_RUNS ?? 200);
/** Where in the file, uniformly: fast-check's default bias toward small values would mostly hit the magic bytes. */
const position = fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1_000_000);
const ALLOWED = [ErrorCodes.corruptFile, ErrorCodes.invalidArgument, ErrorCodes.unsupportedEncoding] as const;

const work = mkdtempSync(path.join(tmpdir(), 'edgenext-bag-fuzz-'));
let variants: BagVariant[] = [];
const layouts = new Map<string, McapRecord[]>();
const outcomes = new Outcomes();
const errorsSeen = new Set<string>();

beforeAll(async () => {
  variants = await bagVariants(work);
  for (const v of variants) if (v.storage === 'mcap') layouts.set(v.name, mcapRecords(v.bytes));
});
let attempted = 0;
afterAll(() => {
  reportOutcomes('damaged bags through openBag', outcomes, attempted);
  rmSync(work, { recursive: true, force: true });
});

function sameMessage(read: BagMessage, original: BagVariant['messages'][number]): boolean {
  return (
    read.topic === original.topic &&
    read.logTimeNs === original.logTimeNs &&
    Buffer.compare(Buffer.from(read.data), Buffer.from(original.data)) === 0
  );
}

/**
 * Writes the damaged bytes as a storage file, opens and reads it, and checks the promises. `damageAt` is the first
 * byte that differs from the intact file (the truncation point, or the flipped byte).
 */
async function check(variant: BagVariant, bytes: Uint8Array, damageAt: number, kind: string): Promise<void> {
  attempted++;
  const dir = path.join(work, variant.name);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `damaged.${variant.storage === 'mcap' ? 'mcap' : 'db3'}`);
  writeFileSync(file, bytes);
  const started = performance.now();
  const read: BagMessage[] = [];
  let outcome = `${kind}:complete`;
  let opened = false;
  let failure = '';
  try {
    const reader = await openBag(file);
    opened = true;
    try {
      for (const w of reader.warnings) expect(w).toContain(file);
      for await (const m of reader.readMessages()) read.push(m);
    } finally {
      await reader.close();
    }
    if (read.length < variant.messages.length) outcome = `${kind}:partial`;
  } catch (error) {
    const code = expectNamedError(error, ALLOWED);
    const message = (error as EdgenextError).message;
    if (!message.includes(file)) throw new Error(`error does not name the file: ${message}`);
    failure = `${kind} ${opened ? 'read' : 'open'} ${code}: ${message.replace(file, '<file>')}`;
    errorsSeen.add(failure);
    outcome = `${kind}:${opened ? 'read' : 'open'}_error`;
  }
  if (variant.storage === 'mcap') {
    // Intact, and each once: every message read is one that was written. Truncated files (no index left) come in
    // file order; a flip into a message index can make the rest arrive after the others (recovered in file order).
    const indexOf = new Map(variant.messages.map((m, i) => [m.logTimeNs, i]));
    const seen = new Set<number>();
    read.forEach((m, i) => {
      const index = indexOf.get(m.logTimeNs);
      const original = index === undefined ? undefined : variant.messages[index];
      if (index === undefined || original === undefined || !sameMessage(m, original) || seen.has(index)) {
        throw new Error(`message ${i} read from ${variant.name} (${kind} at ${damageAt}) is not one written, or twice`);
      }
      if (kind !== 'flip' && index !== i) throw new Error(`${variant.name} (${kind} at ${damageAt}): out of order`);
      seen.add(index);
    });
    const complete = messagesCompleteBefore(layouts.get(variant.name) ?? [], damageAt);
    const missing = [...Array(complete).keys()].filter((i) => !seen.has(i));
    if (missing.length > 0) {
      throw new Error(
        `${variant.name} (${kind} at byte ${damageAt}): messages ${missing.join(',')} were complete before the damage and not read (${failure || 'no error'})`,
      );
    }
  } else if (kind === 'truncate') {
    // sqlite pages that survive are unchanged: whatever is read is a message that was written.
    for (const m of read) {
      if (!variant.messages.some((o) => sameMessage(m, o))) throw new Error(`${variant.name}: a message not written`);
    }
  } else {
    expect(read.length).toBeLessThanOrEqual(variant.messages.length);
  }
  outcomes.add(outcome, performance.now() - started);
}

describe('fuzz: damaged bags through openBag', () => {
  it('reads the intact variants completely (the baseline the damage is measured against)', async () => {
    for (const v of variants) await check(v, v.bytes, v.bytes.length, 'intact');
    expect(outcomes.counts()).toEqual({ 'intact:complete': variants.length });
  });

  it('MCAP truncated at every record boundary: every message of a complete chunk is read', async () => {
    for (const v of variants.filter((x) => x.storage === 'mcap')) {
      const records = layouts.get(v.name) ?? [];
      expect(records.filter((r) => r.opcode === 0x06).length).toBeGreaterThan(v.name.includes('project') ? 0 : 4);
      for (const boundary of [8, ...records.map((r) => r.end)]) {
        await check(v, v.bytes.subarray(0, boundary), boundary, 'truncate');
      }
    }
  });

  it('sqlite3 truncated at every page boundary', async () => {
    for (const v of variants.filter((x) => x.storage === 'sqlite3')) {
      for (let at = 0; at < v.bytes.length; at += 4096) await check(v, v.bytes.subarray(0, at), at, 'truncate');
    }
  });

  it(`truncated at ${BAG_RUNS} random offsets per bag`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), position, async (which, fraction) => {
        const v = variants[which % variants.length] as BagVariant;
        const at = Math.floor(fraction * (v.bytes.length - 1));
        await check(v, v.bytes.subarray(0, at), at, 'truncate');
      }),
      { seed: FUZZ_SEED, numRuns: BAG_RUNS * variants.length },
    );
  });

  it(`with ${BAG_RUNS} random byte flips per bag`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), position, fc.integer({ min: 1, max: 255 }), async (which, fraction, xor) => {
        const v = variants[which % variants.length] as BagVariant;
        const at = Math.floor(fraction * (v.bytes.length - 1));
        const bytes = v.bytes.slice();
        bytes[at] = (bytes[at] as number) ^ xor;
        await check(v, bytes, at, 'flip');
      }),
      { seed: FUZZ_SEED, numRuns: BAG_RUNS * variants.length },
    );
  });

  it('accounted for every damaged bag', () => {
    if (process.env.FUZZ_VERBOSE !== undefined) {
      process.stdout.write(`${JSON.stringify(outcomes.counts(), null, 1)}\n${[...errorsSeen].sort().join('\n')}\n`);
    }
    expect(outcomes.total).toBe(outcomes.cases);
    expect(outcomes.cases).toBeGreaterThan(2 * BAG_RUNS * variants.length);
  });
});
