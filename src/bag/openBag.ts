import { open as openFile, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { parseBagMetadata, type BagMetadata } from './bagMetadata';
import { Db3FileReader } from './Db3FileReader';
import { McapFileReader } from './McapFileReader';
import type { BagMessage, BagReader, BagStorage, BagTopic, ReadMessagesOptions, StorageFileReader } from './types';

const MCAP_MAGIC = Buffer.from([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]);
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Storage of one file, from its first bytes (extensions lie less often than they are missing). */
async function sniffStorage(file: string): Promise<BagStorage | undefined> {
  const handle = await openFile(file, 'r');
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, 16, 0);
    if (bytesRead >= 8 && head.subarray(0, 8).equals(MCAP_MAGIC)) return 'mcap';
    if (bytesRead >= 16 && head.equals(SQLITE_MAGIC)) return 'sqlite3';
    return undefined;
  } finally {
    await handle.close();
  }
}

function storageFromExtension(file: string): BagStorage | undefined {
  const ext = path.extname(file).toLowerCase();
  return ext === '.mcap' ? 'mcap' : ext === '.db3' ? 'sqlite3' : undefined;
}

async function openStorageFile(file: string, storage: BagStorage): Promise<StorageFileReader> {
  return storage === 'mcap' ? McapFileReader.open(file) : Db3FileReader.open(file);
}

/** The storage of `file`: by magic bytes, else by extension; an empty file keeps its extension's storage so its reader reports it. */
async function storageOf(file: string, declared: string): Promise<BagStorage> {
  const sniffed = await sniffStorage(file);
  const byExtension = storageFromExtension(file);
  const storage = sniffed ?? ((await stat(file)).size === 0 ? byExtension : undefined);
  if (storage !== undefined) return storage;
  const hint = declared !== '' ? ` (metadata.yaml says storage_identifier '${declared}')` : '';
  throw new EdgenextError(
    ErrorCodes.invalidArgument,
    `${file}: unknown storage format${hint}: neither MCAP nor SQLite (edgenext reads rosbag2 'mcap' and 'sqlite3' bags)`,
  );
}

/** rosbag2 metadata before version 4 resolved relative_file_paths against the bag's parent folder. */
async function resolveStorageFile(dir: string, relative: string, version: number): Promise<string> {
  const candidates = [path.resolve(dir, relative), path.resolve(dir, path.basename(relative))];
  if (version < 4) candidates.push(path.resolve(path.dirname(dir), relative));
  for (const candidate of candidates) {
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // try the next place
    }
  }
  throw new EdgenextError(
    ErrorCodes.fileNotFound,
    `${path.join(dir, 'metadata.yaml')}: storage file '${relative}' listed in relative_file_paths does not exist in ${dir}`,
  );
}

class RosbagReader implements BagReader {
  readonly path: string;
  readonly storage: BagStorage;
  readonly metadataVersion: number | undefined;
  readonly topics: readonly BagTopic[];
  readonly messageCount: number;
  readonly startTimeNs: bigint;
  readonly endTimeNs: bigint;
  readonly #files: readonly StorageFileReader[];

  constructor(bagPath: string, storage: BagStorage, files: StorageFileReader[], metadata: BagMetadata | undefined) {
    this.path = bagPath;
    this.storage = storage;
    this.metadataVersion = metadata?.version;
    this.#files = files;
    // Topics: the storage files are the truth for types and counts (old bags' metadata.yaml can disagree with
    // them); metadata.yaml adds topics the recorder registered but never received.
    const byName = new Map<string, { name: string; type: string; messageCount: number }>();
    for (const t of metadata?.topics ?? []) byName.set(t.name, { name: t.name, type: t.type, messageCount: 0 });
    for (const f of files) {
      for (const t of f.topics) {
        const entry = byName.get(t.name) ?? { name: t.name, type: t.type, messageCount: 0 };
        if (t.type !== '') entry.type = t.type;
        entry.messageCount += t.messageCount;
        byName.set(t.name, entry);
      }
    }
    this.topics = [...byName.values()];
    this.messageCount = files.reduce((n, f) => n + f.messageCount, 0);
    const withMessages = files.filter((f) => f.messageCount > 0);
    this.startTimeNs =
      withMessages.reduce<bigint | undefined>(
        (a, f) => (a === undefined || f.startTimeNs < a ? f.startTimeNs : a),
        undefined,
      ) ?? 0n;
    this.endTimeNs = withMessages.reduce((a, f) => (f.endTimeNs > a ? f.endTimeNs : a), 0n);
  }

  /** Live: reading can add warnings (damage found while reading). */
  get warnings(): readonly string[] {
    return this.#files.flatMap((f) => f.warnings);
  }

  async *readMessages(options: ReadMessagesOptions = {}): AsyncIterable<BagMessage> {
    for (const file of this.#files) yield* file.readMessages(options);
  }

  async close(): Promise<void> {
    await Promise.all(this.#files.map((f) => f.close()));
  }
}

async function closeAll(files: StorageFileReader[]): Promise<void> {
  await Promise.all(files.map((f) => f.close()));
}

/**
 * Opens a rosbag2 bag: a directory with metadata.yaml (versions 1 to 9, one or more storage files), a directory
 * without metadata.yaml holding .mcap/.db3 files, or a single .mcap / .db3 file.
 * Throws EdgenextError naming the file and the problem: 'file_not_found' (missing bag or storage file),
 * 'invalid_argument' (unknown storage format), 'corrupt_file' (bad metadata.yaml, empty, truncated beyond
 * reading or damaged storage file), 'unsupported_encoding' (compressed bag files).
 */
export async function openBag(bagPath: string): Promise<BagReader> {
  let info;
  try {
    info = await stat(bagPath);
  } catch (error) {
    throw new EdgenextError(ErrorCodes.fileNotFound, `${bagPath}: no such bag (${errorMessage(error)})`, {
      cause: error,
    });
  }
  if (info.isFile()) {
    const storage = await storageOf(bagPath, '');
    return new RosbagReader(bagPath, storage, [await openStorageFile(bagPath, storage)], undefined);
  }
  const metadataFile = path.join(bagPath, 'metadata.yaml');
  let metadata: BagMetadata | undefined;
  let relativePaths: readonly string[];
  try {
    metadata = parseBagMetadata(await readFile(metadataFile, 'utf8'), metadataFile);
    relativePaths = metadata.relativeFilePaths;
  } catch (error) {
    if (error instanceof EdgenextError) throw error;
    relativePaths = (await readdir(bagPath)).filter((f) => storageFromExtension(f) !== undefined).sort();
    if (relativePaths.length === 0) {
      throw new EdgenextError(
        ErrorCodes.fileNotFound,
        `${bagPath}: not a rosbag2 bag (no metadata.yaml and no .mcap or .db3 file)`,
      );
    }
  }
  if (metadata !== undefined && metadata.compressionFormat !== '') {
    throw new EdgenextError(
      ErrorCodes.unsupportedEncoding,
      `${metadataFile}: compressed bags (compression_format '${metadata.compressionFormat}') are not supported; decompress with 'ros2 bag convert'`,
    );
  }
  const files: StorageFileReader[] = [];
  let storage: BagStorage | undefined;
  try {
    for (const relative of relativePaths) {
      const file = await resolveStorageFile(bagPath, relative, metadata?.version ?? 5);
      const fileStorage = await storageOf(file, metadata?.storageIdentifier ?? '');
      storage ??= fileStorage;
      files.push(await openStorageFile(file, fileStorage));
    }
  } catch (error) {
    await closeAll(files);
    throw error;
  }
  return new RosbagReader(bagPath, storage ?? 'sqlite3', files, metadata);
}
