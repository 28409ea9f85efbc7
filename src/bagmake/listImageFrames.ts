import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { EdgenextError, ErrorCodes } from '../core/errors';
import { IMAGE_FILE_EXTENSIONS, isImageFileName } from '../image';

/** One input image and, when the dataset gives one, its capture time. */
export interface FrameFile {
  readonly file: string;
  /** From a EuRoC-style data.csv (`#timestamp [ns],filename`); undefined for plain folders and files. */
  readonly stampNs?: bigint;
}

/** Rows of a EuRoC data.csv: `timestamp_ns,filename`, '#' comment header. */
async function readEurocCsv(csv: string, dir: string): Promise<FrameFile[]> {
  const imagesDir = await stat(path.join(dir, 'data'))
    .then((s) => (s.isDirectory() ? path.join(dir, 'data') : dir))
    .catch(() => dir);
  const frames: FrameFile[] = [];
  const lines = (await readFile(csv, 'utf8')).split(/\r?\n/);
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [stamp, name] = trimmed.split(',').map((s) => s.trim());
    if (stamp === undefined || name === undefined || !/^\d+$/.test(stamp)) {
      throw new EdgenextError(
        ErrorCodes.invalidArgument,
        `${csv}:${i + 1}: expected 'timestamp_ns,filename', got '${trimmed}'`,
      );
    }
    frames.push({ file: path.join(imagesDir, name), stampNs: BigInt(stamp) });
  });
  return frames;
}

/**
 * Expands the inputs of `bag make` into frames, in order: a file is one frame; a folder gives its images sorted
 * by name, or, when it holds a EuRoC `data.csv`, the rows of that file with their stamps (images in the folder
 * or its `data/` sub-folder). Throws EdgenextError 'file_not_found' for a missing input, 'invalid_argument' for
 * a folder without images or a bad data.csv row.
 */
export async function listImageFrames(inputs: readonly string[]): Promise<FrameFile[]> {
  const frames: FrameFile[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (info === undefined) throw new EdgenextError(ErrorCodes.fileNotFound, `${input}: no such image file or folder`);
    if (info.isFile()) {
      frames.push({ file: input });
      continue;
    }
    const csv = path.join(input, 'data.csv');
    if (
      await stat(csv)
        .then((s) => s.isFile())
        .catch(() => false)
    ) {
      frames.push(...(await readEurocCsv(csv, input)));
      continue;
    }
    const names = (await readdir(input)).filter(isImageFileName).sort();
    if (names.length === 0) {
      throw new EdgenextError(
        ErrorCodes.invalidArgument,
        `${input}: folder holds no ${IMAGE_FILE_EXTENSIONS.join('/')} images`,
      );
    }
    frames.push(...names.map((name) => ({ file: path.join(input, name) })));
  }
  return frames;
}
