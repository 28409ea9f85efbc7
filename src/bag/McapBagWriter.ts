import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { EdgenextError, ErrorCodes } from '../core/errors';
import {
  BagStats,
  prepareBagDirectory,
  storageFileName,
  writeMetadataYaml,
  type BagWriterOptions,
} from './bagWriterCommon';

export interface McapBagWriterOptions extends BagWriterOptions {
  /**
   * The ros2msg schema text of a type (root .msg text plus its dependencies, as src/messages'
   * ros2msgSchemaText writes it). Required: `ros2 bag play` of a lone MCAP loads typesupport by schema.
   */
  readonly schemaTextFor: (type: string) => string;
}

/**
 * Writes a rosbag2 MCAP bag: a directory with `<name>_0.mcap` (profile ros2, one ros2msg schema per type,
 * cdr channels with offered_qos_profiles metadata, chunked and indexed with statistics) and a v5
 * metadata.yaml that Humble's `ros2 bag info` / `ros2 bag play` accept. Calls must be awaited one at a time.
 */
export class McapBagWriter {
  readonly dir: string;
  readonly file: string;
  readonly #handle: FileHandle;
  readonly #writer: McapWriter;
  readonly #options: McapBagWriterOptions;
  readonly #stats = new BagStats();
  readonly #schemaIds = new Map<string, number>();
  readonly #channels = new Map<string, { id: number; sequence: number }>();
  #closed = false;

  private constructor(
    dir: string,
    file: string,
    handle: FileHandle,
    writer: McapWriter,
    options: McapBagWriterOptions,
  ) {
    this.dir = dir;
    this.file = file;
    this.#handle = handle;
    this.#writer = writer;
    this.#options = options;
  }

  /** Creates `dir` (see BagWriterOptions.overwrite) and starts the MCAP file. */
  static async create(dir: string, options: McapBagWriterOptions): Promise<McapBagWriter> {
    await prepareBagDirectory(dir, options);
    const file = storageFileName(dir, 'mcap');
    const handle = await open(path.join(dir, file), 'w');
    const writer = new McapWriter({ writable: new FileHandleWritable(handle) });
    await writer.start({ profile: 'ros2', library: 'edgenext' });
    // A Humble recording carries this record; players do not need it, tools show it.
    await writer.addMetadata({ name: 'rosbag2', metadata: new Map([['ROS_DISTRO', 'humble']]) });
    return new McapBagWriter(dir, file, handle, writer, options);
  }

  /** Appends one CDR message (with its encapsulation header). `logTimeNs` is the receive time in ns. */
  async addMessage(topic: string, type: string, logTimeNs: bigint, cdr: Uint8Array): Promise<void> {
    if (this.#closed) throw new EdgenextError(ErrorCodes.closed, `${this.dir}: bag writer is closed`);
    const qos = this.#options.offeredQosProfiles?.[topic] ?? '';
    let channel = this.#channels.get(topic);
    if (this.#stats.topic(topic, type, qos) || channel === undefined) {
      let schemaId = this.#schemaIds.get(type);
      if (schemaId === undefined) {
        const data = new TextEncoder().encode(this.#options.schemaTextFor(type));
        schemaId = await this.#writer.registerSchema({ name: type, encoding: 'ros2msg', data });
        this.#schemaIds.set(type, schemaId);
      }
      const id = await this.#writer.registerChannel({
        topic,
        messageEncoding: 'cdr',
        schemaId,
        metadata: new Map([['offered_qos_profiles', qos]]),
      });
      channel = { id, sequence: 0 };
      this.#channels.set(topic, channel);
    }
    channel.sequence += 1;
    await this.#writer.addMessage({
      channelId: channel.id,
      sequence: channel.sequence,
      logTime: logTimeNs,
      publishTime: logTimeNs,
      data: cdr,
    });
    this.#stats.message(topic, logTimeNs);
  }

  /** Finishes the MCAP (summary, indexes) and writes metadata.yaml. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#writer.end();
    } finally {
      await this.#handle.close();
    }
    await writeMetadataYaml(this.dir, this.#stats.metadataYaml('mcap', this.file));
  }
}
