/**
 * The bags the bag fuzz suite damages: MCAP with small chunks (uncompressed, zstd, lz4) written with @mcap/core the
 * way `ros2 bag record` lays them out, the project's own MCAP writer, and a sqlite3 (.db3) bag from the project's
 * writer. Also the MCAP record layout, to truncate at every record boundary and to know which messages were complete.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { McapWriter } from '@mcap/core';
import { MemoryWritable } from '../support/memoryWritable';
import decompressLz4 from '@foxglove/wasm-lz4';
import * as zstd from '@foxglove/wasm-zstd';
import { Db3BagWriter, McapBagWriter } from '../../src/bag';
import { encodeMessage, ros2msgSchemaText } from '../../src/messages';

export interface OriginalMessage {
  readonly topic: string;
  readonly logTimeNs: bigint;
  readonly data: Uint8Array;
}

export interface BagVariant {
  readonly name: string;
  readonly storage: 'mcap' | 'sqlite3';
  readonly bytes: Uint8Array;
  readonly messages: readonly OriginalMessage[];
}

const IMAGE = 'sensor_msgs/msg/Image';
const TOPICS = ['/cam0/image_raw', '/cam1/image_raw'];

function originalMessages(count: number): OriginalMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    topic: TOPICS[i % 2] as string,
    logTimeNs: 1_700_000_000_000_000_000n + BigInt(i) * 33_000_000n,
    data: encodeMessage(IMAGE, {
      header: { stamp: { sec: 1_700_000_000 + i, nanosec: 0 }, frame_id: `f${i}` },
      height: 2,
      width: 4,
      encoding: 'bgr8',
      is_bigendian: 0,
      step: 12,
      data: new Uint8Array(24).fill(i),
    }),
  }));
}

/** An LZ4 frame of stored (uncompressed) blocks: valid LZ4 that any frame decoder reads; no lz4 compressor here. */
function lz4StoredFrame(data: Uint8Array): Uint8Array {
  // Magic, FLG (version 1, independent blocks), BD (4 MB blocks), header checksum of FLG+BD.
  const header = [0x04, 0x22, 0x4d, 0x18, 0x60, 0x70, 0x73];
  const size = Buffer.alloc(4);
  size.writeUInt32LE((data.byteLength | 0x80000000) >>> 0);
  return Buffer.concat([Buffer.from(header), size, data, Buffer.alloc(4)]);
}

async function chunkedMcap(
  messages: readonly OriginalMessage[],
  compression: 'none' | 'zstd' | 'lz4',
): Promise<Uint8Array> {
  await Promise.all([zstd.isLoaded, decompressLz4.isLoaded]);
  const writable = new MemoryWritable();
  const compressChunk =
    compression === 'zstd'
      ? (data: Uint8Array) => ({ compression: 'zstd', compressedData: zstd.compress(data, 3) })
      : compression === 'lz4'
        ? (data: Uint8Array) => ({ compression: 'lz4', compressedData: lz4StoredFrame(data) })
        : undefined;
  // About three messages per chunk: many chunks, so damage can land before, in and after them.
  const writer = new McapWriter({ writable, chunkSize: 300, ...(compressChunk !== undefined && { compressChunk }) });
  await writer.start({ profile: 'ros2', library: 'edgenext-fuzz' });
  const schemaId = await writer.registerSchema({
    name: IMAGE,
    encoding: 'ros2msg',
    data: new TextEncoder().encode(ros2msgSchemaText(IMAGE)),
  });
  const channels = new Map<string, number>();
  for (const topic of TOPICS) {
    channels.set(topic, await writer.registerChannel({ topic, messageEncoding: 'cdr', schemaId, metadata: new Map() }));
  }
  let sequence = 0;
  for (const m of messages) {
    await writer.addMessage({
      channelId: channels.get(m.topic) as number,
      sequence: ++sequence,
      logTime: m.logTimeNs,
      publishTime: m.logTimeNs,
      data: m.data,
    });
  }
  await writer.end();
  return writable.bytes();
}

async function projectBag(
  dir: string,
  storage: 'mcap' | 'sqlite3',
  messages: readonly OriginalMessage[],
): Promise<Uint8Array> {
  const writer =
    storage === 'mcap'
      ? await McapBagWriter.create(dir, { schemaTextFor: ros2msgSchemaText })
      : await Db3BagWriter.create(dir);
  for (const m of messages) await writer.addMessage(m.topic, IMAGE, m.logTimeNs, m.data);
  await writer.close();
  return Uint8Array.from(
    await readFile(path.join(dir, `${path.basename(dir)}_0.${storage === 'mcap' ? 'mcap' : 'db3'}`)),
  );
}

export async function bagVariants(workDir: string): Promise<BagVariant[]> {
  const messages = originalMessages(24);
  return [
    { name: 'mcap-chunked-uncompressed', storage: 'mcap', bytes: await chunkedMcap(messages, 'none'), messages },
    { name: 'mcap-chunked-zstd', storage: 'mcap', bytes: await chunkedMcap(messages, 'zstd'), messages },
    { name: 'mcap-chunked-lz4', storage: 'mcap', bytes: await chunkedMcap(messages, 'lz4'), messages },
    {
      name: 'mcap-project-writer',
      storage: 'mcap',
      bytes: await projectBag(path.join(workDir, 'project_mcap'), 'mcap', messages),
      messages,
    },
    {
      name: 'db3-project-writer',
      storage: 'sqlite3',
      bytes: await projectBag(path.join(workDir, 'project_db3'), 'sqlite3', messages),
      messages,
    },
  ];
}

export interface McapRecord {
  readonly opcode: number;
  readonly start: number;
  readonly end: number;
  /** Message records inside (Chunk records: those in the chunk; Message records: 1). */
  readonly messages: number;
}

const OPCODE_MESSAGE = 0x05;
const OPCODE_CHUNK = 0x06;
const OPCODE_FOOTER = 0x02;

function countMessages(records: Uint8Array): number {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let n = 0;
  for (let at = 0; at + 9 <= records.byteLength;) {
    if (view.getUint8(at) === OPCODE_MESSAGE) n++;
    at += 9 + Number(view.getBigUint64(at + 1, true));
  }
  return n;
}

/** The top-level records of an intact MCAP, in file order (after the 8-byte magic). */
export function mcapRecords(bytes: Uint8Array): McapRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: McapRecord[] = [];
  for (let at = 8; at < bytes.byteLength - 8;) {
    const opcode = view.getUint8(at);
    const end = at + 9 + Number(view.getBigUint64(at + 1, true));
    let messages = opcode === OPCODE_MESSAGE ? 1 : 0;
    if (opcode === OPCODE_CHUNK) {
      const body = at + 9;
      const uncompressedSize = Number(view.getBigUint64(body + 16, true));
      const compressionLength = view.getUint32(body + 28, true);
      const compression = new TextDecoder().decode(bytes.subarray(body + 32, body + 32 + compressionLength));
      const recordsLengthAt = body + 32 + compressionLength;
      const recordsStart = recordsLengthAt + 8;
      const stored = bytes.subarray(recordsStart, recordsStart + Number(view.getBigUint64(recordsLengthAt, true)));
      const records =
        compression === 'zstd'
          ? zstd.decompress(stored, uncompressedSize)
          : compression === 'lz4'
            ? decompressLz4(stored, uncompressedSize)
            : stored;
      messages = countMessages(records);
    }
    records.push({ opcode, start: at, end, messages });
    if (opcode === OPCODE_FOOTER) break;
    at = end;
  }
  return records;
}

/** Messages in records that end at or before `offset`: what a reader must still deliver when the damage is there. */
export function messagesCompleteBefore(records: readonly McapRecord[], offset: number): number {
  let n = 0;
  for (const r of records) if (r.end <= offset) n += r.messages;
  return n;
}
