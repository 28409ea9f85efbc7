import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';

/** One image with its ground-truth class index. */
export interface LabelledImage {
  readonly file: string;
  readonly classId: number;
}

export interface LabelledDataset {
  /** 'image_folder': one sub-folder per class; 'ground_truth': a flat folder plus a ground-truth file. */
  readonly layout: 'image_folder' | 'ground_truth';
  /** Sorted by path, so `--limit` takes the same images every time. */
  readonly images: readonly LabelledImage[];
}

/** How class folder names and manifest labels become class indices. */
export interface ClassNaming {
  /** Class names in index order (the model's labels). */
  readonly labels: readonly string[];
  /** WordNet ids in index order (ImageNet: n01440764 ...), when known. */
  readonly synsets?: readonly string[];
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.jpe']);

function isImage(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
}

function normalise(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[_\s]+/g, ' ');
}

/**
 * Resolves class names: an index (`65`), a WordNet id (`n01440764`), a full label (`tench, Tinca tinca`) or any one
 * of its comma-separated names (`tench`), case-insensitive, `_` read as a space. A name that two classes share
 * (ImageNet has two `crane`s) is refused with both indices.
 */
export class ClassResolver {
  readonly #byName = new Map<string, number[]>();
  readonly #bySynset = new Map<string, number>();
  readonly #count: number;

  constructor(naming: ClassNaming) {
    this.#count = naming.labels.length;
    naming.labels.forEach((label, index) => {
      const names = new Set([normalise(label), ...label.split(',').map(normalise)]);
      for (const name of names) {
        if (name === '') continue;
        const owners = this.#byName.get(name) ?? [];
        owners.push(index);
        this.#byName.set(name, owners);
      }
    });
    naming.synsets?.forEach((synset, index) => this.#bySynset.set(synset.trim().toLowerCase(), index));
  }

  /** The class index of `name`, or an Error saying why it has none. */
  resolve(name: string): number | Error {
    const text = name.trim();
    if (/^\d+$/.test(text)) {
      const index = Number(text);
      return index < this.#count ? index : new Error(`class index ${index} is not below ${this.#count}`);
    }
    if (/^n\d{8}$/i.test(text)) {
      const index = this.#bySynset.get(text.toLowerCase());
      return index ?? new Error(`synset ${text} is not one of the model's classes`);
    }
    const owners = this.#byName.get(normalise(text));
    if (owners === undefined) return new Error(`"${text}" is not a class name of the model's labels`);
    if (owners.length > 1) {
      return new Error(`"${text}" names ${owners.length} classes (${owners.join(', ')}); use the index or the synset`);
    }
    return owners[0] as number;
  }
}

async function imagesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (isImage(entry.name)) found.push(full);
    }
  };
  await walk(dir);
  return found;
}

function byFile(a: LabelledImage, b: LabelledImage): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

function invalid(message: string): EdgenextError {
  return new EdgenextError(ErrorCodes.invalidArgument, message);
}

/** Ground-truth lines `file class` (ImageNet validation style); `#` starts a comment. */
function parseGroundTruthLines(text: string, source: string): [string, string][] {
  const pairs: [string, string][] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const match = /^(.*\S)\s+(\S+)$/.exec(line);
    if (match === null) throw invalid(`${source} line ${index + 1}: expected "<file> <class>", got "${raw.trim()}"`);
    pairs.push([match[1] as string, match[2] as string]);
  });
  return pairs;
}

/** JSON manifest: `{"file": class, ...}` or `[{"file": ..., "class_index" | "label" | "synset": ...}, ...]`. */
function parseManifest(text: string, source: string): [string, string][] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw invalid(`${source}: not valid JSON (${errorMessage(error)})`);
  }
  const list = Array.isArray(raw) ? raw : (raw as { images?: unknown } | null)?.images;
  if (Array.isArray(list)) {
    return list.map((item: unknown, index) => {
      const record = (item ?? {}) as Record<string, unknown>;
      const file = record.file;
      const label = record.class_index ?? record.classId ?? record.synset ?? record.label;
      if (typeof file !== 'string' || (typeof label !== 'string' && typeof label !== 'number')) {
        throw invalid(`${source}: entry ${index} needs "file" and one of "class_index", "synset", "label"`);
      }
      return [file, String(label)];
    });
  }
  if (raw !== null && typeof raw === 'object') {
    return Object.entries(raw as Record<string, unknown>).map(([file, label]) => {
      if (typeof label !== 'string' && typeof label !== 'number') {
        throw invalid(`${source}: the class of "${file}" must be a number or a name`);
      }
      return [file, String(label)];
    });
  }
  throw invalid(`${source}: expected a JSON object {file: class} or a list of {file, class_index}`);
}

/**
 * Reads a labelled image set. With `groundTruthFile`, `root` is a flat folder and the file lists `file class` per
 * line (or is a JSON manifest, by extension .json); without it, each sub-folder of `root` is one class named by
 * index, synset or label. Throws EdgenextError naming the folder or the file and the line for anything it cannot
 * map to a class: a wrong dataset is not a partial result.
 */
export async function loadLabelledDataset(
  root: string,
  naming: ClassNaming,
  groundTruthFile?: string,
): Promise<LabelledDataset> {
  const stat = await fs.stat(root).catch(() => undefined);
  if (stat?.isDirectory() !== true)
    throw new EdgenextError(ErrorCodes.fileNotFound, `dataset folder not found: ${root}`);
  const resolver = new ClassResolver(naming);

  if (groundTruthFile !== undefined) {
    let text: string;
    try {
      text = await fs.readFile(groundTruthFile, 'utf8');
    } catch (error) {
      throw new EdgenextError(ErrorCodes.fileNotFound, `ground-truth file ${groundTruthFile}: ${errorMessage(error)}`);
    }
    const pairs =
      path.extname(groundTruthFile).toLowerCase() === '.json'
        ? parseManifest(text, groundTruthFile)
        : parseGroundTruthLines(text, groundTruthFile);
    const images = pairs.map(([file, label]) => {
      const classId = resolver.resolve(label);
      if (classId instanceof Error) throw invalid(`${groundTruthFile}: ${file}: ${classId.message}`);
      return { file: path.resolve(root, file), classId };
    });
    return { layout: 'ground_truth', images: images.sort(byFile) };
  }

  const folders = (await fs.readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory());
  if (folders.length === 0) {
    throw invalid(
      `${root} has no class sub-folders; give an ImageFolder (one folder per class) or a flat folder with --ground-truth <file>`,
    );
  }
  const images: LabelledImage[] = [];
  for (const folder of folders) {
    const classId = resolver.resolve(folder.name);
    if (classId instanceof Error) throw invalid(`class folder ${path.join(root, folder.name)}: ${classId.message}`);
    for (const file of await imagesUnder(path.join(root, folder.name))) images.push({ file, classId });
  }
  return { layout: 'image_folder', images: images.sort(byFile) };
}
