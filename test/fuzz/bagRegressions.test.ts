/**
 * The failures the bag fuzz suite found (seed 20261206), kept as fixed cases: each damages one byte of a bag
 * written by bagVariants and checks what openBag now does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBag, type BagMessage } from '../../src/bag';
import { mcapDecompressHandlers } from '../../src/bag/mcapDecompression';
import { bagVariants, type BagVariant } from './bagVariants';

const work = mkdtempSync(path.join(tmpdir(), 'edgenext-bag-regressions-'));
let variants: Map<string, BagVariant>;

beforeAll(async () => {
  variants = new Map((await bagVariants(work)).map((v) => [v.name, v]));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function readFlipped(name: string, at: number, xor: number) {
  const variant = variants.get(name) as BagVariant;
  const bytes = variant.bytes.slice();
  bytes[at] = (bytes[at] as number) ^ xor;
  const file = path.join(work, `${name}_${at}_${xor}.${variant.storage === 'mcap' ? 'mcap' : 'db3'}`);
  writeFileSync(file, bytes);
  const read: BagMessage[] = [];
  let error: unknown;
  const reader = await openBag(file);
  try {
    for await (const m of reader.readMessages()) read.push(m);
  } catch (caught) {
    error = caught;
  } finally {
    await reader.close();
  }
  return { file, variant, read, error, warnings: reader.warnings };
}

/** Like readFlipped, but the damage may already make openBag refuse the file. */
async function readFlippedOrRefused(name: string, at: number, xor: number) {
  try {
    return await readFlipped(name, at, xor);
  } catch (error) {
    const variant = variants.get(name) as BagVariant;
    const file = path.join(work, `${name}_${at}_${xor}.${variant.storage === 'mcap' ? 'mcap' : 'db3'}`);
    return { file, variant, read: [] as BagMessage[], error, warnings: [] as readonly string[] };
  }
}

describe('bag fuzz regressions', () => {
  it('lz4: a damaged chunk no longer breaks every later lz4 chunk in the process', async () => {
    const { lz4 } = await mcapDecompressHandlers();
    const frame = Uint8Array.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x70, 0x73, 3, 0, 0, 0x80, 65, 66, 67, 0, 0, 0, 0]);
    const damaged = frame.slice();
    damaged[9] = 0x7f; // a block size beyond the data
    expect(() => lz4!(damaged, 3n)).toThrow('lz4');
    expect(Buffer.from(lz4!(frame, 3n)).toString()).toBe('ABC');
  });

  it('a damaged message index (opcode 7 -> 2) loses no message: chunks that follow in time are read without it', async () => {
    // Byte 2859 of the uncompressed variant starts the MessageIndex of /cam1 for the chunk holding messages 12-14.
    // Through @mcap/core's indexed reader this lost 2 messages (then found again by a pass in file order, with a
    // warning); reading chunk by chunk never looks at message indexes.
    const { read, warnings } = await readFlipped('mcap-chunked-uncompressed', 2859, 5);
    const indexes = read.map((m) => Number((m.logTimeNs - 1_700_000_000_000_000_000n) / 33_000_000n));
    expect(indexes).toEqual([...Array(24).keys()]);
    expect(warnings).toEqual([]);
  });

  it('a summary Channel record flipped into a "Message" (opcode 4 -> 5) adds no message', async () => {
    const { read, variant } = await readFlipped('mcap-chunked-lz4', 4790, 1);
    expect(read).toHaveLength(variant.messages.length);
  });

  it('a damaged trailing magic costs the index only: every message is read, with a warning naming the file', async () => {
    const { read, variant, error, warnings, file } = await readFlipped('mcap-chunked-uncompressed', 5706, 1);
    expect(error).toBeUndefined();
    expect(read).toHaveLength(variant.messages.length);
    expect(warnings.some((w) => w.startsWith(`${file}: `))).toBe(true);
  });

  it('a damaged chunk names the file and the byte where its record starts', async () => {
    // Byte 3000 lies in the uncompressed variant's chunk at 2937..3295: its CRC no longer matches.
    const { read, error, file } = await readFlipped('mcap-chunked-uncompressed', 3000, 0x10);
    expect(read).toHaveLength(16); // the six chunks before it: 1 + 5 x 3 messages
    expect(error).toMatchObject({
      code: 'corrupt_file',
      message: expect.stringMatching(
        new RegExp(`^${file}: corrupt MCAP data \\(.*CRC.*, in the record at byte 2937\\)$`),
      ),
    });
  });

  it('sqlite3: a damaged schema is a corrupt_file error naming the file, not a bare sql.js error', async () => {
    const variant = variants.get('db3-project-writer') as BagVariant;
    const bytes = variant.bytes.slice();
    const schemaAt = Buffer.from(bytes).indexOf('data BLOB');
    expect(schemaAt).toBeGreaterThan(0);
    bytes[schemaAt] = 'x'.charCodeAt(0); // the messages table's column is now "xata"
    const file = path.join(work, 'schema.db3');
    writeFileSync(file, bytes);
    const reader = await openBag(file);
    const attempt = (async () => {
      for await (const m of reader.readMessages()) void m;
    })();
    await expect(attempt).rejects.toMatchObject({
      code: 'corrupt_file',
      message: `${file}: damaged sqlite3 data (no such column: data)`,
    });
    await reader.close();
  });

  it('a damaged DataEnd record (seed 1176488241) no longer refuses the whole unindexed file', async () => {
    // Byte 4126 of the uncompressed variant is the DataEnd opcode: without it the index is unusable and the file is
    // read in order; every message before the damage is delivered, then the damage is reported with its byte.
    const { read, error, warnings, file } = await readFlipped('mcap-chunked-uncompressed', 4126, 6);
    expect(read).toHaveLength(24);
    expect(error).toMatchObject({
      code: 'corrupt_file',
      message: expect.stringContaining('in the record at byte 4126'),
    });
    expect(warnings).toContainEqual(
      expect.stringMatching(new RegExp(`^${file}: .*the 24 complete messages before it are readable$`)),
    );
  });

  it('a damaged record length no longer aborts the process with an out-of-range read', async () => {
    // Byte 13 is in the Header record's u64 length: +2^32 made the index reader ask for a 4 GB read, which @mcap/nodejs
    // passed to Node's fs, which aborts the whole process on a length over 2^31 (found by the fuzz bench).
    const { read, error, warnings, file } = await readFlippedOrRefused('mcap-chunked-uncompressed', 13, 0x01);
    expect(read).toEqual([]);
    // Nothing after the damaged header is reachable in file order: a refusal or a warning, either naming the file.
    const said = error instanceof Error ? error.message : warnings.join('\n');
    expect(said).toContain(`${file}: `);
  });
  it('a MessageIndex opcode flipped to Message (seed 1501589355) adds no message and loses none', async () => {
    // Byte 376 of the zstd variant is the opcode of the MessageIndex after its first chunk: 7 ^ 2 = 5 reads as a
    // message of /cam0 at message 0's log time (the index's first entry) with empty data. The index reader missed
    // message 0; the file-order pass delivered it, then delivered the fake record too (same channel and time). Chunks
    // that follow each other in time are now read whole, without their message indexes: nothing to warn about.
    const { read, error, warnings, variant } = await readFlipped('mcap-chunked-zstd', 376, 2);
    expect(error).toBeUndefined();
    expect(read.map((m) => m.logTimeNs).sort()).toEqual(variant.messages.map((m) => m.logTimeNs).sort());
    for (const m of read) {
      const original = variant.messages.find((o) => o.logTimeNs === m.logTimeNs) as BagVariant['messages'][number];
      expect({ topic: m.topic, data: Buffer.from(m.data) }).toEqual({
        topic: original.topic,
        data: Buffer.from(original.data),
      });
    }
    expect(warnings).toEqual([]);
  });

  it('the same flip in a file without an index is a corrupt_file error at byte 376, after the messages before it', async () => {
    const variant = variants.get('mcap-chunked-zstd') as BagVariant;
    const bytes = variant.bytes.slice(0, 2487); // up to DataEnd: no summary, no footer, read in file order
    bytes[376] = (bytes[376] as number) ^ 2;
    const file = path.join(work, 'zstd_376_unindexed.mcap');
    writeFileSync(file, bytes);
    const reader = await openBag(file);
    const read: BagMessage[] = [];
    const attempt = (async () => {
      for await (const m of reader.readMessages()) read.push(m);
    })();
    await expect(attempt).rejects.toMatchObject({
      code: 'corrupt_file',
      message: `${file}: corrupt MCAP data (a Message record outside any chunk in a chunked MCAP (a damaged record), in the record at byte 376)`,
    });
    await reader.close();
    expect(read.map((m) => m.logTimeNs)).toEqual([variant.messages[0]?.logTimeNs]);
    expect(Buffer.from(read[0]?.data ?? [])).toEqual(Buffer.from(variant.messages[0]?.data ?? []));
  });
});
