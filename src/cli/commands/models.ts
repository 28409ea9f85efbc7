import { promises as fs } from 'node:fs';
import path from 'node:path';

import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';

import { errorMessage } from '../../core/errors';
import {
  EDGENEXT_VARIANTS,
  inspectOnnxModel,
  isEdgeNeXtVariant,
  METADATA_KEYS,
  type OnnxModelSummary,
  type OnnxTensorInfo,
  synthesizeModelFile,
} from '../../graph';
import { downloadModel, planModelDownloads, type ModelDownload } from '../../model/downloadModel';
import { findModelEntry, loadModelCatalog, type ModelCatalog, type ModelEntry } from '../../model/modelCatalog';
import { defaultModelDir, MODEL_DIR_ENV, type BackendKind } from '../../model/resolveModel';
import { sha256File } from '../../model/sha256File';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIo, type CommandIo } from '../commandIo';
import { registerCalibDataCommand } from './calibData';
import { registerQuantConfigCommand } from './quantConfig';

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CommandIo };

const SYNTHETIC_NOTE = 'class labels are not meaningful; use it to measure speed, not accuracy';

export interface SynthCommandOptions {
  readonly variant?: string;
  /** Decimal integer as typed; validated here so the message names the option. */
  readonly seed?: string;
  readonly output?: string;
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

function formatMillions(value: number): string {
  return `${(value / 1e6).toFixed(2)}M`;
}

function formatBytes(value: number): string {
  if (value < 1024) return `${value} B`;
  return value >= 1024 * 1024 ? `${(value / (1024 * 1024)).toFixed(1)} MiB` : `${(value / 1024).toFixed(1)} KiB`;
}

/** `edgenext models synth`: build a variant with synthetic weights and write it. Returns the exit code. */
export async function runModelsSynth(options: SynthCommandOptions, io: CommandIo = processIo): Promise<number> {
  const fail = (message: string, code: number): number => {
    io.stderr(`edgenext models synth: ${message}`);
    return code;
  };
  const variant = options.variant ?? '';
  if (!isEdgeNeXtVariant(variant)) {
    return fail(`unknown variant "${variant}" (expected one of: ${EDGENEXT_VARIANTS.join(', ')})`, EXIT_USAGE);
  }
  let seed: number | undefined;
  if (options.seed !== undefined) {
    const text = options.seed.trim();
    seed = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(seed) || seed > 0xffffffff) {
      return fail(`--seed must be an integer from 0 to 4294967295, got "${options.seed}"`, EXIT_USAGE);
    }
  }
  if (!options.output) return fail('missing output file (-o, --output <file.onnx>)', EXIT_USAGE);
  try {
    const result = await synthesizeModelFile(variant, {
      outputPath: options.output,
      ...(seed !== undefined && { seed }),
    });
    io.stdout(
      `wrote ${result.path}: EdgeNeXt ${variant}, ${formatCount(result.parameterCount)} parameters ` +
        `(${formatMillions(result.parameterCount)}), ${formatBytes(result.sizeBytes)}, built in ${result.buildMs.toFixed(0)} ms`,
    );
    io.stdout(`weights are synthetic (seed ${result.seed}): ${SYNTHETIC_NOTE}`);
    return EXIT_OK;
  } catch (error) {
    return fail(errorMessage(error), EXIT_FAILURE);
  }
}

function formatTensor(info: OnnxTensorInfo): string {
  return `${info.name} ${info.elementType} [${info.shape.join(', ')}]`;
}

/** The lines `edgenext models info` prints for a model summary. */
export function formatModelSummary(file: string, sizeBytes: number, summary: OnnxModelSummary): string[] {
  const opsets = summary.opsets.map((o) => `${o.domain === '' ? 'ai.onnx' : o.domain} ${o.version}`).join(', ');
  const lines = [
    `file: ${file} (${formatBytes(sizeBytes)})`,
    `producer: ${summary.producerName || '(none)'}${summary.producerVersion ? ` ${summary.producerVersion}` : ''}`,
    `ir_version: ${summary.irVersion}  opset: ${opsets || '(none)'}`,
    `parameters (initializer elements): ${formatCount(summary.initializerElementCount)} ` +
      `(${formatMillions(summary.initializerElementCount)}) in ${summary.initializerCount} initializers`,
    ...summary.inputs.map((i) => `input:  ${formatTensor(i)}`),
    ...summary.outputs.map((o) => `output: ${formatTensor(o)}`),
    `nodes: ${summary.nodeCount} (${summary.constantNodeCount} Constant)`,
    `softmax nodes (${summary.softmaxNodeNames.length}):`,
    ...summary.softmaxNodeNames.map((name) => `  ${name}`),
  ];
  const variant = summary.metadata[METADATA_KEYS.variant];
  if (summary.metadata[METADATA_KEYS.synthetic] === 'true') {
    lines.push(
      `weights: synthetic (EdgeNeXt ${variant ?? '?'}, seed ${summary.metadata[METADATA_KEYS.seed] ?? '?'}): ${SYNTHETIC_NOTE}`,
    );
  }
  return lines;
}

/** `edgenext models info <file>`: summarise any ONNX file. Returns the exit code. */
export async function runModelsInfo(file: string, io: CommandIo = processIo): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'EACCES'
            ? 'permission denied'
            : errorMessage(error);
    io.stderr(`edgenext models info: cannot read ${file}: ${reason}`);
    return EXIT_FAILURE;
  }
  try {
    const summary = inspectOnnxModel(bytes);
    for (const line of formatModelSummary(file, bytes.length, summary)) io.stdout(line);
    return EXIT_OK;
  } catch (error) {
    io.stderr(`edgenext models info: ${file}: ${errorMessage(error)}`);
    return EXIT_FAILURE;
  }
}

export interface CatalogCommandOptions {
  /** Model catalogue to read. Default: the package's config/models.yaml. */
  readonly catalog?: string;
  /** Model folder. Default: $EDGENEXT_MODEL_DIR, else ~/.cache/edgenext/models. */
  readonly modelDir?: string;
}

export interface DownloadCommandOptions extends CatalogCommandOptions {
  /** 'onnx', 'bpu' or 'all' (default: all files the entry has). */
  readonly backend?: string;
  readonly force?: boolean;
  /** Mirror folder URL that has the same file names; replaces the catalogue URLs' folder. */
  readonly baseUrl?: string;
  /** Injected for tests; default Node's global fetch. */
  readonly fetch?: typeof fetch;
}

const DOWNLOAD_BACKENDS = ['onnx', 'bpu', 'all'] as const;

function loadCatalogFor(command: string, options: CatalogCommandOptions, io: CommandIo): ModelCatalog | undefined {
  try {
    return options.catalog !== undefined ? loadModelCatalog(options.catalog) : loadModelCatalog();
  } catch (error) {
    io.stderr(`edgenext models ${command}: ${errorMessage(error)}`);
    return undefined;
  }
}

async function fileSize(file: string): Promise<number | undefined> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat?.isFile() === true ? stat.size : undefined;
}

/** `edgenext models list`: the catalogue, with which files are present in the model folder. Returns the exit code. */
export async function runModelsList(options: CatalogCommandOptions = {}, io: CommandIo = processIo): Promise<number> {
  const catalog = loadCatalogFor('list', options, io);
  if (catalog === undefined) return EXIT_FAILURE;
  const modelDir = options.modelDir ?? defaultModelDir();
  io.stdout(`catalogue: ${catalog.sourcePath}`);
  io.stdout(`model folder: ${modelDir}${options.modelDir === undefined ? ` (--model-dir or $${MODEL_DIR_ENV})` : ''}`);
  for (const entry of catalog.entries) {
    const isDefault = entry.name === catalog.defaultModel ? ' (default)' : '';
    const { policy } = entry.resize;
    io.stdout('');
    io.stdout(
      `${entry.name}${isDefault}: input ${entry.inputWidth}x${entry.inputHeight}, resize ${policy}` +
        `${entry.syntheticVariant !== undefined ? `, synthetic:${entry.syntheticVariant} available` : ''}`,
    );
    io.stdout(`  aliases: ${entry.aliases.length > 0 ? entry.aliases.join(', ') : '(none)'}`);
    for (const backend of ['onnx', 'bpu'] as const) {
      const files = backend === 'bpu' ? entry.bpu : entry.onnx;
      if (files === undefined) continue;
      const size = await fileSize(path.join(modelDir, files.file));
      const state = size !== undefined ? `present (${formatBytes(size)})` : 'missing';
      io.stdout(`  ${backend.padEnd(4)} ${files.file}: ${state}`);
      io.stdout(`       ${files.url ?? '(no url: place the file in the model folder yourself)'}`);
    }
  }
  return EXIT_OK;
}

function describeFile(download: ModelDownload): string {
  return `${download.backend} ${download.file}`;
}

/** One line that lets the user pin the hash of a file the catalogue has none for. */
function unpinnedWarning(catalog: ModelCatalog, download: ModelDownload, sha256: string): string {
  return (
    `warning: ${describeFile(download)} has no sha256 pinned in ${catalog.sourcePath}, so it is unverified; ` +
    `it has sha256 ${sha256} (add "sha256: ${sha256}" to its ${download.backend} entry to pin it)`
  );
}

/** `edgenext models verify [name]`: checks the files present in the model folder against the pinned hashes. */
export async function runModelsVerify(
  name: string | undefined,
  options: CatalogCommandOptions = {},
  io: CommandIo = processIo,
): Promise<number> {
  const catalog = loadCatalogFor('verify', options, io);
  if (catalog === undefined) return EXIT_FAILURE;
  let entries: readonly ModelEntry[] = catalog.entries;
  if (name !== undefined) {
    const entry = findModelEntry(catalog, name);
    if (entry === undefined) {
      io.stderr(
        `edgenext models verify: unknown model "${name}" (known: ${catalog.entries.map((e) => e.name).join(', ')})`,
      );
      return EXIT_USAGE;
    }
    entries = [entry];
  }
  const modelDir = options.modelDir ?? defaultModelDir();
  let checked = 0;
  let mismatches = 0;
  let unpinned = 0;
  for (const entry of entries) {
    for (const backend of ['onnx', 'bpu'] as const) {
      const files = backend === 'bpu' ? entry.bpu : entry.onnx;
      if (files === undefined) continue;
      const file = path.join(modelDir, files.file);
      if ((await fileSize(file)) === undefined) continue;
      checked++;
      let actual: string;
      try {
        actual = await sha256File(file);
      } catch (error) {
        mismatches++;
        io.stderr(`edgenext models verify: cannot read ${file}: ${errorMessage(error)}`);
        continue;
      }
      if (files.sha256 === undefined) {
        unpinned++;
        io.stdout(`${entry.name} ${backend} ${files.file}: sha256 ${actual} (not pinned in the catalogue: unverified)`);
      } else if (actual === files.sha256) {
        io.stdout(`${entry.name} ${backend} ${files.file}: ok (sha256 ${actual})`);
      } else {
        mismatches++;
        io.stdout(
          `${entry.name} ${backend} ${files.file}: MISMATCH: the catalogue pins ${files.sha256}, the file has ${actual} (left as it is; 'edgenext models download ${entry.name} --backend ${backend} --force' replaces it)`,
        );
      }
    }
  }
  io.stdout(
    `${checked} file${checked === 1 ? '' : 's'} in ${modelDir}: ${checked - mismatches - unpinned} verified, ` +
      `${mismatches} mismatched, ${unpinned} without a pinned hash`,
  );
  return mismatches > 0 ? EXIT_FAILURE : EXIT_OK;
}

/** `edgenext models download <name>`: fetch a catalogue entry's files into the model folder. Returns the exit code. */
export async function runModelsDownload(
  name: string,
  options: DownloadCommandOptions = {},
  io: CommandIo = processIo,
): Promise<number> {
  const fail = (message: string, code: number): number => {
    io.stderr(`edgenext models download: ${message}`);
    return code;
  };
  const choice = options.backend ?? 'all';
  if (!(DOWNLOAD_BACKENDS as readonly string[]).includes(choice)) {
    return fail(`--backend must be one of ${DOWNLOAD_BACKENDS.join(', ')}, got "${choice}"`, EXIT_USAGE);
  }
  if (options.baseUrl !== undefined && !/^https?:\/\//i.test(options.baseUrl)) {
    return fail(`--base-url must be an http:// or https:// URL, got "${options.baseUrl}"`, EXIT_USAGE);
  }
  const catalog = loadCatalogFor('download', options, io);
  if (catalog === undefined) return EXIT_FAILURE;
  const entry: ModelEntry | undefined = findModelEntry(catalog, name);
  if (entry === undefined) {
    return fail(`unknown model "${name}" (known: ${catalog.entries.map((e) => e.name).join(', ')})`, EXIT_USAGE);
  }
  const backends: BackendKind[] =
    choice === 'all'
      ? (['onnx', 'bpu'] as const).filter((b) => (b === 'onnx' ? entry.onnx : entry.bpu) !== undefined)
      : [choice as BackendKind];
  const modelDir = options.modelDir ?? defaultModelDir();
  try {
    planModelDownloads(entry, backends, modelDir, options.baseUrl);
  } catch (error) {
    return fail(errorMessage(error), EXIT_FAILURE);
  }

  let bar: SingleBar | undefined;
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
  };
  let failed = 0;
  await downloadModel(entry, {
    backends,
    modelDir,
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    ...(options.force !== undefined ? { force: options.force } : {}),
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    onStart: (download) => {
      if (io.interactive !== true) io.stderr(`downloading ${download.url}`);
    },
    onProgress: (download, received, total) => {
      if (io.interactive !== true) return;
      if (bar === undefined) {
        bar = new SingleBar({
          // Without a Content-Length there is no fraction to draw, only the bytes so far.
          format: `${describeFile(download)} ${total !== undefined ? '[{bar}] {percentage}% {received} / {size}' : '{received}'}`,
          clearOnComplete: true,
          hideCursor: true,
        });
        bar.start(total ?? 1, 0, { received: formatBytes(0), size: formatBytes(total ?? 0) });
      }
      bar.update(total !== undefined ? received : 0, { received: formatBytes(received) });
    },
    onFinish: (outcome) => {
      stopBar();
      if (outcome.ok) {
        const { result, download } = outcome;
        const resumed = result.resumedBytes > 0 ? `, resumed after ${formatBytes(result.resumedBytes)}` : '';
        const verified = download.sha256 !== undefined ? ', sha256 verified' : '';
        io.stdout(
          result.skipped
            ? `${describeFile(download)}: already present at ${result.path} (${formatBytes(result.bytes)}${verified}); --force downloads it again`
            : `${describeFile(download)}: saved ${result.path} (${formatBytes(result.bytes)}${resumed}${verified})`,
        );
        if (!result.skipped && download.sha256 === undefined)
          io.stderr(unpinnedWarning(catalog, download, result.sha256));
      } else {
        failed += 1;
        io.stderr(`edgenext models download: ${outcome.error.message}`);
      }
    },
  });
  return failed === 0 ? EXIT_OK : EXIT_FAILURE;
}

export function registerModelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description('EdgeNeXt models: list the catalogue, download pretrained files, synthesize and inspect ONNX');
  const modelDirHelp = `model folder (default: $${MODEL_DIR_ENV} or ~/.cache/edgenext/models)`;
  models
    .command('list')
    .description('list the model catalogue: names, aliases, files present in the model folder, download URLs')
    .option('--model-dir <dir>', modelDirHelp)
    .option('--catalog <file>', 'model catalogue YAML (default: config/models.yaml of the package)')
    .action(async (options: CatalogCommandOptions) => {
      process.exitCode = await runModelsList(options);
    });
  models
    .command('download')
    .description(
      "download a catalogue model's pretrained files (ONNX for the CPU, .bin for the RDK X5 BPU); resumes an interrupted download and checks the pinned sha256",
    )
    .argument('<name>', 'catalogue name or alias (EdgeNeXt_xx_small, small, ...)')
    .option('-b, --backend <backend>', 'which file: onnx | bpu | all', 'all')
    .option('--model-dir <dir>', modelDirHelp)
    .option('--force', 'download again even when the file is present')
    .option('--base-url <url>', "a mirror folder with the same file names, used instead of the catalogue's URLs")
    .option('--catalog <file>', 'model catalogue YAML (default: config/models.yaml of the package)')
    .action(async (name: string, options: DownloadCommandOptions) => {
      process.exitCode = await runModelsDownload(name, options);
    });
  models
    .command('verify')
    .description("check the model files present against the catalogue's pinned sha256 hashes")
    .argument('[name]', 'catalogue name or alias (default: every entry)')
    .option('--model-dir <dir>', modelDirHelp)
    .option('--catalog <file>', 'model catalogue YAML (default: config/models.yaml of the package)')
    .action(async (name: string | undefined, options: CatalogCommandOptions) => {
      process.exitCode = await runModelsVerify(name, options);
    });
  models
    .command('synth')
    .description(
      'build an EdgeNeXt variant as ONNX with synthetic weights (for speed measurements; labels are not meaningful)',
    )
    .option('--variant <name>', `variant: ${EDGENEXT_VARIANTS.join(', ')}`, 'xx_small')
    .option('--seed <n>', 'weight generator seed (integer, 0 to 4294967295)', '12345')
    .option('-o, --output <file>', 'output .onnx file')
    .action(async (options: SynthCommandOptions) => {
      process.exitCode = await runModelsSynth(options);
    });
  models
    .command('info')
    .description('print parameter count, inputs, outputs, opset and Softmax node names of an ONNX file')
    .argument('<file>', '.onnx file')
    .action(async (file: string) => {
      process.exitCode = await runModelsInfo(file);
    });
  registerQuantConfigCommand(models);
  registerCalibDataCommand(models);
}
