import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EdgenextError, ErrorCodes } from '../core/errors';
import { formatBagMetadataV5, type MetadataTopic } from './bagMetadata';

/** Options shared by the bag writers. */
export interface BagWriterOptions {
  /** Replace an existing non-empty directory; default false (then create() throws 'invalid_argument'). */
  readonly overwrite?: boolean;
  /**
   * `offered_qos_profiles` per topic (see offeredQosProfilesYaml); default '' which makes `ros2 bag play` offer
   * RELIABLE / KEEP_LAST 10, so both reliable and best-effort subscribers receive the messages.
   */
  readonly offeredQosProfiles?: Readonly<Record<string, string>>;
}

/** Prepares `dir` for a new bag: absent or empty, or replaced when overwrite is set. */
export async function prepareBagDirectory(dir: string, options: BagWriterOptions): Promise<void> {
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch {
    // does not exist yet
  }
  if (entries.length > 0) {
    if (options.overwrite !== true) {
      throw new EdgenextError(
        ErrorCodes.invalidArgument,
        `${dir}: output bag directory exists and is not empty (choose another path or overwrite)`,
      );
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
}

/** Counts and time span per topic, in registration order, for metadata.yaml. */
export class BagStats {
  readonly #topics = new Map<string, { type: string; qos: string; count: number }>();
  #start: bigint | undefined;
  #end = 0n;
  #count = 0;

  /** Registers `topic` on first use; throws 'invalid_argument' when the same topic comes with another type. */
  topic(topic: string, type: string, qos: string): boolean {
    const existing = this.#topics.get(topic);
    if (existing === undefined) {
      this.#topics.set(topic, { type, qos, count: 0 });
      return true;
    }
    if (existing.type !== type) {
      throw new EdgenextError(
        ErrorCodes.invalidArgument,
        `topic ${topic} was written as ${existing.type}, cannot add ${type}`,
      );
    }
    return false;
  }

  message(topic: string, logTimeNs: bigint): void {
    const t = this.#topics.get(topic);
    if (t !== undefined) t.count += 1;
    this.#count += 1;
    if (this.#start === undefined || logTimeNs < this.#start) this.#start = logTimeNs;
    if (logTimeNs > this.#end) this.#end = logTimeNs;
  }

  metadataYaml(storageIdentifier: 'sqlite3' | 'mcap', file: string): string {
    const topics: MetadataTopic[] = [...this.#topics].map(([name, t]) => ({
      name,
      type: t.type,
      serializationFormat: 'cdr',
      offeredQosProfiles: t.qos,
      messageCount: t.count,
    }));
    const start = this.#start ?? 0n;
    return formatBagMetadataV5({
      storageIdentifier,
      file,
      topics,
      messageCount: this.#count,
      startTimeNs: start,
      durationNs: this.#start === undefined ? 0n : this.#end - start,
    });
  }
}

export async function writeMetadataYaml(dir: string, yaml: string): Promise<void> {
  await writeFile(path.join(dir, 'metadata.yaml'), yaml);
}

/** rosbag2 names the first storage file `<bag folder name>_0.<ext>`. */
export function storageFileName(dir: string, ext: 'mcap' | 'db3'): string {
  return `${path.basename(path.resolve(dir))}_0.${ext}`;
}
