/**
 * sqlite3 (.db3) bag damage through openBag, with the promise the MCAP part of bags.fuzz.test.ts makes for MCAP:
 * truncated at random offsets, every message whose pages all precede the cut is read, byte for byte, in order, and
 * nothing else; the file and the byte where it was cut are named. Random byte flips never crash or hang; as a .db3
 * has no checksums, a flipped byte may change the one message it lands in, but nothing more.
 * Cases per property: FUZZ_DB3_RUNS, else FUZZ_BAG_RUNS (default 150 per bag); seed FUZZ_SEED.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fc } from '@fast-check/jest';
import { openBag, type BagMessage } from '../../src/bag';
import { ErrorCodes, EdgenextError } from '../../src/core/errors';
import {
  pageNeeds,
  wholeRowsBefore,
  writtenAtOnce,
  writtenMessages,
  writtenRowByRow,
  type PageNeeds,
  type WrittenMessage,
} from '../bag/db3Layouts';
import { bagVariants } from './bagVariants';
import { expectNamedError, FUZZ_SEED, Outcomes, reportOutcomes } from './fuzzSupport';

jest.setTimeout(300_000);

// The fuzz bench (bench/fuzz.ts) sets FUZZ_BAG_RUNS for every bag suite; FUZZ_DB3_RUNS sets this one alone.
const RUNS = Number(process.env.FUZZ_DB3_RUNS ?? process.env.FUZZ_BAG_RUNS ?? 150);
const ALLOWED = [ErrorCodes.corruptFile, ErrorCodes.invalidArgument, ErrorCodes.unsupportedEncoding] as const;
const position = fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1_000_000);

interface Db3Variant {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly messages: readonly WrittenMessage[];
  readonly needs: PageNeeds;
}

const work = mkdtempSync(path.join(tmpdir(), 'edgenext-db3-fuzz-'));
const variants: Db3Variant[] = [];
const outcomes = new Outcomes();
let attempted = 0;

beforeAll(async () => {
  const messages = writtenMessages(30);
  const small = (await bagVariants(path.join(work, 'variants'))).find((v) => v.storage === 'sqlite3');
  if (small === undefined) throw new Error('bagVariants has no sqlite3 bag');
  const candidates = [
    { name: 'db3-project-writer-small', bytes: small.bytes, messages: small.messages },
    { name: 'db3-at-once-overflow', bytes: await writtenAtOnce(path.join(work, 'at_once'), messages), messages },
    {
      name: 'db3-row-by-row-overflow',
      bytes: await writtenRowByRow(path.join(work, 'row_by_row.db3'), messages),
      messages,
    },
  ];
  for (const c of candidates) {
    const intact = path.join(work, `${c.name}.db3`);
    writeFileSync(intact, c.bytes);
    variants.push({ ...c, needs: await pageNeeds(intact) });
  }
});
afterAll(() => {
  reportOutcomes('damaged sqlite3 bags through openBag', outcomes, attempted);
  rmSync(work, { recursive: true, force: true });
});

const same = (a: BagMessage, b: WrittenMessage): boolean =>
  a.topic === b.topic && a.logTimeNs === b.logTimeNs && Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;

/** Bytes in which `a` and `b` differ (a length difference counts in full). */
function differingBytes(a: Uint8Array, b: Uint8Array): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

async function read(
  file: string,
  bytes: Uint8Array,
): Promise<{ read: BagMessage[]; warnings: readonly string[]; error: EdgenextError | undefined }> {
  writeFileSync(file, bytes);
  const messages: BagMessage[] = [];
  try {
    const reader = await openBag(file);
    try {
      for await (const m of reader.readMessages()) messages.push(m);
      return { read: messages, warnings: reader.warnings, error: undefined };
    } finally {
      await reader.close();
    }
  } catch (error) {
    expectNamedError(error, ALLOWED);
    const named = error as EdgenextError;
    if (!named.message.includes(file)) throw new Error(`error does not name the file: ${named.message}`);
    return { read: messages, warnings: [], error: named };
  }
}

describe('fuzz: damaged sqlite3 bags through openBag', () => {
  it(`truncated at ${RUNS} random offsets per bag: exactly the whole messages before the cut, and where it was cut`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), position, async (which, fraction) => {
        attempted++;
        const v = variants[which % variants.length] as Db3Variant;
        const at = Math.max(16, Math.floor(fraction * (v.bytes.length - 1)));
        const file = path.join(work, 'cut.db3');
        const started = performance.now();
        const { read: got, warnings, error } = await read(file, v.bytes.subarray(0, at));
        const whole = wholeRowsBefore(v.needs, at);
        if (error !== undefined) {
          // Refused only when the schema or the topics are cut, and then saying where.
          expect(Math.floor(at / v.needs.pageSize)).toBeLessThan(v.needs.tables);
          expect(error.message).toMatch(`${file}: truncated at byte ${at}`);
        } else {
          expect({ name: v.name, at, read: got.length }).toEqual({ name: v.name, at, read: whole });
          got.forEach((m, i) => {
            if (!same(m, v.messages[i] as WrittenMessage))
              throw new Error(`${v.name} cut at ${at}: message ${i} differs`);
          });
          expect(warnings).toEqual([expect.stringMatching(`^${file}: truncated at byte ${at} `)]);
        }
        outcomes.add(
          error === undefined ? `truncate:${whole === 0 ? 'none' : 'partial'}` : 'truncate:open_error',
          performance.now() - started,
        );
      }),
      { seed: FUZZ_SEED, numRuns: RUNS * variants.length },
    );
  });

  it(`with ${RUNS} random byte flips per bag: no crash or hang, and at most the message the byte is in changes`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), position, fc.integer({ min: 1, max: 255 }), async (which, fraction, xor) => {
        attempted++;
        const v = variants[which % variants.length] as Db3Variant;
        const at = Math.floor(fraction * (v.bytes.length - 1));
        const bytes = v.bytes.slice();
        bytes[at] = (bytes[at] as number) ^ xor;
        const started = performance.now();
        const { read: got, error } = await read(path.join(work, 'flip.db3'), bytes);
        expect(got.length).toBeLessThanOrEqual(v.messages.length);
        // Each message read is one written, but for the one thing the byte is in: one message's data, time or
        // topic id, or one topic's row (then every message of that topic comes under a changed name). A byte of the
        // message's data changes one byte, but its storage holds more than data, with no checksum: a byte of its
        // record header can change the data's type or length (seed 556108878: an 11358-byte blob read back empty),
        // one of its overflow-page numbers sends the rest of its data to another page (seed 1443744393: the last
        // 4092 bytes of a message from a page of another). So that one message's data may differ entirely.
        let changedMessages = 0;
        const renamedTopics = new Set<string>();
        for (const m of got) {
          if (v.messages.some((o) => same(m, o))) continue;
          const sameOtherwise = (o: WrittenMessage): boolean =>
            o.logTimeNs === m.logTimeNs && differingBytes(o.data, m.data) === 0;
          if (v.messages.some(sameOtherwise)) {
            renamedTopics.add(m.topic);
            continue;
          }
          const near = v.messages.some(
            (o) =>
              (o.topic === m.topic && o.logTimeNs === m.logTimeNs) ||
              (o.topic === m.topic && differingBytes(o.data, m.data) === 0),
          );
          if (!near)
            throw new Error(`${v.name} flip at ${at}: a message that is not one written, nor one changed in one field`);
          changedMessages++;
        }
        if (changedMessages + renamedTopics.size > 1) {
          throw new Error(
            `${v.name} flip at ${at}: ${changedMessages} messages and ${renamedTopics.size} topics changed by one flipped byte`,
          );
        }
        outcomes.add(`flip:${error === undefined ? 'read' : 'error'}`, performance.now() - started);
      }),
      { seed: FUZZ_SEED, numRuns: RUNS * variants.length },
    );
  });

  it('accounted for every damaged bag', () => {
    expect(outcomes.total).toBe(attempted);
    expect(outcomes.cases).toBe(2 * RUNS * variants.length);
  });
});
