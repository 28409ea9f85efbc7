import { parse } from 'yaml';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';

/** One topic of metadata.yaml `topics_with_message_count`. */
export interface MetadataTopic {
  readonly name: string;
  readonly type: string;
  readonly serializationFormat: string;
  /** YAML text of the offered QoS profiles ('' when absent, as in version 1). */
  readonly offeredQosProfiles: string;
  readonly messageCount: number;
}

export interface MetadataFile {
  readonly path: string;
  readonly startTimeNs: bigint;
  readonly durationNs: bigint;
  readonly messageCount: number;
}

/** The parts of a rosbag2 metadata.yaml (versions 1 to 9) that readers and writers use. */
export interface BagMetadata {
  readonly version: number;
  /** 'sqlite3', 'mcap', or '' (auto-detect). */
  readonly storageIdentifier: string;
  readonly relativeFilePaths: readonly string[];
  readonly topics: readonly MetadataTopic[];
  readonly messageCount: number;
  readonly startTimeNs: bigint;
  readonly durationNs: bigint;
  readonly compressionFormat: string;
  readonly compressionMode: string;
  readonly files: readonly MetadataFile[];
}

type Yaml = Record<string, unknown>;

function asRecord(value: unknown): Yaml | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Yaml) : undefined;
}

function asBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  return 0n;
}

function asNumber(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : 0;
}

function asString(value: unknown): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
}

/**
 * Parses metadata.yaml text. `file` names the file in errors. Integers are read as bigint so that
 * ns-since-epoch times (INT64_MAX in empty bags) keep every digit.
 * Throws EdgenextError 'corrupt_file' when the text is not YAML or lacks rosbag2_bagfile_information,
 * topics_with_message_count or relative_file_paths.
 */
export function parseBagMetadata(text: string, file: string): BagMetadata {
  let doc: unknown;
  try {
    doc = parse(text, { intAsBigInt: true });
  } catch (error) {
    throw new EdgenextError(ErrorCodes.corruptFile, `${file}: not valid YAML (${errorMessage(error)})`, {
      cause: error,
    });
  }
  const info = asRecord(asRecord(doc)?.['rosbag2_bagfile_information']);
  if (info === undefined) {
    throw new EdgenextError(
      ErrorCodes.corruptFile,
      `${file}: no 'rosbag2_bagfile_information' mapping; not a rosbag2 metadata file`,
    );
  }
  const topicsRaw = info['topics_with_message_count'];
  const pathsRaw = info['relative_file_paths'];
  if (!Array.isArray(topicsRaw)) {
    throw new EdgenextError(ErrorCodes.corruptFile, `${file}: 'topics_with_message_count' is missing or not a list`);
  }
  if (!Array.isArray(pathsRaw) || pathsRaw.length === 0) {
    throw new EdgenextError(ErrorCodes.corruptFile, `${file}: 'relative_file_paths' is missing or empty`);
  }
  const topics = topicsRaw.map((entry, i): MetadataTopic => {
    const tm = asRecord(asRecord(entry)?.['topic_metadata']);
    if (tm === undefined || typeof tm['name'] !== 'string' || typeof tm['type'] !== 'string') {
      throw new EdgenextError(
        ErrorCodes.corruptFile,
        `${file}: topics_with_message_count[${i}] has no topic_metadata name/type`,
      );
    }
    return {
      name: tm['name'],
      type: tm['type'],
      serializationFormat: asString(tm['serialization_format']),
      offeredQosProfiles: asString(tm['offered_qos_profiles']),
      messageCount: asNumber(asRecord(entry)?.['message_count']),
    };
  });
  const files = (Array.isArray(info['files']) ? info['files'] : []).map((entry): MetadataFile => {
    const f = asRecord(entry) ?? {};
    return {
      path: asString(f['path']),
      startTimeNs: asBigInt(asRecord(f['starting_time'])?.['nanoseconds_since_epoch']),
      durationNs: asBigInt(asRecord(f['duration'])?.['nanoseconds']),
      messageCount: asNumber(f['message_count']),
    };
  });
  return {
    version: asNumber(info['version']),
    storageIdentifier: asString(info['storage_identifier']),
    relativeFilePaths: pathsRaw.map(asString),
    topics,
    messageCount: asNumber(info['message_count']),
    startTimeNs: asBigInt(asRecord(info['starting_time'])?.['nanoseconds_since_epoch']),
    durationNs: asBigInt(asRecord(info['duration'])?.['nanoseconds']),
    compressionFormat: asString(info['compression_format']),
    compressionMode: asString(info['compression_mode']),
    files,
  };
}

/** What a writer knows when it closes: one storage file, its topics and the time span of its messages. */
export interface MetadataToWrite {
  readonly storageIdentifier: 'sqlite3' | 'mcap';
  readonly file: string;
  readonly topics: readonly MetadataTopic[];
  readonly messageCount: number;
  readonly startTimeNs: bigint;
  readonly durationNs: bigint;
}

/** A YAML double-quoted scalar; JSON string syntax is a subset of it. */
function quoted(value: string): string {
  return JSON.stringify(value);
}

/**
 * metadata.yaml version 5, the newest that Humble reads, with every key Humble requires
 * (../shared/docs/ros2-integration.md §8.1): a missing key makes `ros2 bag info` fail.
 */
export function formatBagMetadataV5(m: MetadataToWrite): string {
  const lines = [
    'rosbag2_bagfile_information:',
    '  version: 5',
    `  storage_identifier: ${m.storageIdentifier}`,
    '  duration:',
    `    nanoseconds: ${m.durationNs}`,
    '  starting_time:',
    `    nanoseconds_since_epoch: ${m.startTimeNs}`,
    `  message_count: ${m.messageCount}`,
    '  topics_with_message_count:',
  ];
  for (const t of m.topics) {
    lines.push(
      '    - topic_metadata:',
      `        name: ${quoted(t.name)}`,
      `        type: ${quoted(t.type)}`,
      `        serialization_format: ${quoted(t.serializationFormat)}`,
      `        offered_qos_profiles: ${quoted(t.offeredQosProfiles)}`,
      `      message_count: ${t.messageCount}`,
    );
  }
  lines.push(
    '  compression_format: ""',
    '  compression_mode: ""',
    '  relative_file_paths:',
    `    - ${quoted(m.file)}`,
    '  files:',
    `    - path: ${quoted(m.file)}`,
    '      starting_time:',
    `        nanoseconds_since_epoch: ${m.startTimeNs}`,
    '      duration:',
    `        nanoseconds: ${m.durationNs}`,
    `      message_count: ${m.messageCount}`,
  );
  return `${lines.join('\n')}\n`;
}
