/** Storage plugins edgenext reads and writes (rosbag2 storage identifiers). */
export const BAG_STORAGES = ['mcap', 'sqlite3'] as const;
export type BagStorage = (typeof BAG_STORAGES)[number];

export interface BagTopic {
  readonly name: string;
  /** ROS type as the bag names it (`sensor_msgs/msg/Image`; very old bags say `pkg/Type`). */
  readonly type: string;
  readonly messageCount: number;
}

export interface BagMessage {
  readonly topic: string;
  readonly type: string;
  /** Receive (log) time in ns since the epoch, as rosbag2 stores it. */
  readonly logTimeNs: bigint;
  /** The serialized message: CDR including its 4-byte encapsulation header. */
  readonly data: Uint8Array;
}

export interface ReadMessagesOptions {
  /** Only these topics; default all. */
  readonly topics?: readonly string[];
}

/** A rosbag2 bag opened for reading. Messages come in log-time order (per storage file for split bags). */
export interface BagReader {
  /** The path given to openBag. */
  readonly path: string;
  readonly storage: BagStorage;
  /** metadata.yaml version, or undefined when a single storage file was opened. */
  readonly metadataVersion: number | undefined;
  readonly topics: readonly BagTopic[];
  readonly messageCount: number;
  /** Log time of the first and last message in ns; both 0n for a bag without messages. */
  readonly startTimeNs: bigint;
  readonly endTimeNs: bigint;
  /** Problems that did not stop reading (e.g. a truncated MCAP read in file order without its index). */
  readonly warnings: readonly string[];
  /**
   * Streams messages. Throws EdgenextError 'corrupt_file' naming the file when a chunk's CRC or structure is
   * broken, 'unsupported_encoding' for a chunk compression this build cannot decompress.
   */
  readMessages(options?: ReadMessagesOptions): AsyncIterable<BagMessage>;
  close(): Promise<void>;
}

/** The per-storage-file part of a reader: openBag combines one or more of these. */
export interface StorageFileReader {
  readonly file: string;
  readonly topics: readonly BagTopic[];
  readonly messageCount: number;
  readonly startTimeNs: bigint;
  readonly endTimeNs: bigint;
  readonly warnings: readonly string[];
  readMessages(options?: ReadMessagesOptions): AsyncIterable<BagMessage>;
  close(): Promise<void>;
}
