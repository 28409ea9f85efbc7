import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { ClassScore } from '../../core/classification';
import { errorMessage } from '../../core/errors';
import type { ImageInput } from '../../core/image';
import { RESIZE_POLICIES, type ResizePolicy } from '../../core/preprocessing';
import { isImageFileName, readImageFile } from '../../image';
import { losslessOptions, runPipeline, validatePipelineOptions, type Frame } from '../../pipeline';
import { BACKEND_CHOICES, type BackendChoice } from '../../model/resolveModel';
import { openClassifier, type Classifier, type ClassifierOptions } from '../../runtime/openClassifier';
import { ResultViews } from '../resultViews';
import {
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  parseIntegerOption,
  processIo,
  UsageError,
  type CommandIo,
} from '../commandIo';
import { plural } from '../../core/plural';

export interface ClassifyCommandOptions {
  readonly model?: string;
  readonly backend?: string;
  readonly bpuLib?: string;
  readonly topK?: string;
  readonly json?: boolean;
  readonly threads?: string;
  readonly resize?: string;
  readonly modelDir?: string;
  /** Folder for annotated JPEGs. */
  readonly annotate?: string;
  /** Path of the HTML report. */
  readonly report?: string;
}

export interface ImageResult {
  readonly file: string;
  readonly topK?: readonly ClassScore[];
  readonly preprocessMs?: number;
  readonly inferenceMs?: number;
  readonly error?: string;
}

/**
 * Expands the command's arguments: files stay as given, folders contribute their image files (recursively,
 * sorted). A missing argument is reported as that path's error rather than stopping the others.
 */
export async function collectImages(args: readonly string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (isImageFileName(entry.name)) files.push(full);
    }
  };
  for (const arg of args) {
    const stat = await fs.stat(arg).catch(() => undefined);
    if (stat === undefined) missing.push(arg);
    else if (stat.isDirectory()) await walk(arg);
    else files.push(arg);
  }
  return { files, missing };
}

interface FileRef {
  readonly index: number;
  readonly file: string;
}

/**
 * Classifies image files through the pipeline (the one the node and replay run), as fast as it takes them.
 * `onResult` gets one result per file, in the given order; a file that cannot be read or classified comes back
 * with its error, so one bad file never stops the rest.
 */
export async function classifyFiles(
  classifier: Pick<Classifier, 'backend' | 'preprocess' | 'postprocess'>,
  files: readonly string[],
  k: number,
  onResult: (result: ImageResult) => void,
): Promise<void> {
  // Results and errors leave in file order; only the frames in flight wait here.
  const waiting = new Map<number, ImageResult>();
  let next = 0;
  const settle = (index: number, result: ImageResult): void => {
    waiting.set(index, result);
    for (let ready = waiting.get(next); ready !== undefined; ready = waiting.get(next)) {
      waiting.delete(next);
      next += 1;
      onResult(ready);
    }
  };
  async function* frames(): AsyncGenerator<Frame<FileRef>> {
    for (const [index, file] of files.entries()) {
      let image: ImageInput;
      try {
        image = await readImageFile(file);
      } catch (error) {
        settle(index, { file, error: errorMessage(error) });
        continue;
      }
      const header = { stamp: { sec: 0, nanosec: 0 }, frameId: path.basename(file) };
      yield { header, receiveTimeMs: performance.timeOrigin + performance.now(), image, payload: { index, file } };
    }
  }
  await runPipeline<FileRef>({
    options: losslessOptions(validatePipelineOptions({ topK: k, ageReference: 'receive_time' })),
    deps: {
      backend: classifier.backend,
      preprocess: (image) => classifier.preprocess(image),
      postprocess: (logits, topK) => classifier.postprocess(logits, topK),
      onDrop: ({ payload, cause, error }) =>
        settle(payload.index, { file: payload.file, error: error !== undefined ? errorMessage(error) : cause }),
    },
    sources: new Map([['files', frames()]]),
    onResult: ({ payload, topK, timings }) =>
      settle(payload.index, {
        file: payload.file,
        topK,
        preprocessMs: timings.preprocessMs,
        inferenceMs: timings.inferenceMs,
      }),
  });
}

/** Classifies one image file (see classifyFiles). */
export async function classifyFile(
  classifier: Pick<Classifier, 'backend' | 'preprocess' | 'postprocess'>,
  file: string,
  k: number,
): Promise<ImageResult> {
  let result: ImageResult = { file, error: 'no result' };
  await classifyFiles(classifier, [file], k, (r) => (result = r));
  return result;
}

function classifierOptions(options: ClassifyCommandOptions): ClassifierOptions {
  const backend = options.backend ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got "${backend}"`);
  }
  const resize = options.resize;
  if (resize !== undefined && !(RESIZE_POLICIES as readonly string[]).includes(resize)) {
    throw new UsageError(`--resize must be one of ${RESIZE_POLICIES.join(', ')}, got "${resize}"`);
  }
  return {
    backend: backend as BackendChoice,
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.bpuLib !== undefined ? { bpuLibraryPath: options.bpuLib } : {}),
    ...(options.threads !== undefined ? { threads: parseIntegerOption('--threads', options.threads, 1, 256) } : {}),
    ...(resize !== undefined ? { resize: resize as ResizePolicy } : {}),
    ...(options.modelDir !== undefined ? { modelDir: options.modelDir } : {}),
  };
}

function formatResult(result: ImageResult): string[] {
  const lines = [
    `${result.file}  (preprocess ${result.preprocessMs?.toFixed(1)} ms, inference ${result.inferenceMs?.toFixed(1)} ms)`,
  ];
  result.topK?.forEach((entry, rank) => {
    lines.push(`  ${rank + 1}. ${entry.score.toFixed(4)}  ${entry.label} (${entry.classId})`);
  });
  return lines;
}

/** `edgenext classify`: top-k for each image. Returns the exit code: 1 when any input failed. */
export async function runClassify(
  inputs: readonly string[],
  options: ClassifyCommandOptions,
  io: CommandIo = processIo,
): Promise<number> {
  let k: number;
  let openOptions: ClassifierOptions;
  try {
    if (inputs.length === 0) throw new UsageError('give at least one image file or folder');
    k = parseIntegerOption('--top-k', options.topK ?? '5', 1, 1000);
    openOptions = classifierOptions(options);
  } catch (error) {
    io.stderr(`edgenext classify: ${errorMessage(error)}`);
    return EXIT_USAGE;
  }

  const { files, missing } = await collectImages(inputs);
  let failures = 0;
  for (const file of missing) {
    failures++;
    if (options.json === true) io.stdout(JSON.stringify({ file, error: 'file not found' }));
    io.stderr(`error: ${file}: file not found`);
  }
  let classifier: Classifier;
  try {
    classifier = await openClassifier(openOptions);
  } catch (error) {
    io.stderr(`edgenext classify: ${errorMessage(error)}`);
    return EXIT_FAILURE;
  }
  try {
    const { card } = classifier;
    const note = card.labelsMeaningful ? '' : ` — ${card.labelsNote ?? ''}: class labels are not meaningful`;
    io.stderr(
      `model ${card.modelName} on ${card.backend} (${card.inputWidth}x${card.inputHeight} ${card.inputFormat}, resize ${card.resize.policy})${note}`,
    );
    let views: ResultViews | undefined;
    try {
      if (options.annotate !== undefined || options.report !== undefined)
        views = await ResultViews.create({
          ...(options.annotate !== undefined && { annotateDir: options.annotate }),
          ...(options.report !== undefined && { reportFile: options.report }),
          title: `edgenext classify: ${files.length + missing.length} inputs`,
          card,
        });
    } catch (error) {
      io.stderr(`edgenext classify: ${errorMessage(error)}`);
      return EXIT_FAILURE;
    }
    for (const file of missing) await views?.addFile({ file, error: 'file not found' });

    const bar =
      io.interactive === true && files.length > 1
        ? new SingleBar({ format: 'classify [{bar}] {value}/{total} {file}', clearOnComplete: true })
        : undefined;
    bar?.start(files.length, 0, { file: '' });
    // Annotated files and the report are drawn in file order, after the results they show.
    let drawing = Promise.resolve();
    await classifyFiles(classifier, files, k, (result) => {
      bar?.increment(1, { file: path.basename(result.file) });
      if (result.error !== undefined) {
        failures++;
        io.stderr(`error: ${result.file}: ${result.error}`);
      }
      if (views !== undefined) {
        drawing = drawing.then(async () => {
          const viewProblem = await views.addFile(result);
          if (viewProblem !== undefined) {
            failures++;
            io.stderr(`error: ${result.file}: ${viewProblem}`);
          }
        });
      }
      if (options.json === true) {
        io.stdout(
          JSON.stringify({
            ...result,
            model: card.modelName,
            backend: card.backend,
            syntheticWeights: card.syntheticWeights,
            labelsMeaningful: card.labelsMeaningful,
            ...(card.labelsNote !== undefined ? { labelsNote: card.labelsNote } : {}),
          }),
        );
      } else if (result.error === undefined) {
        for (const line of formatResult(result)) io.stdout(line);
      }
    });
    await drawing;
    bar?.stop();
    await views?.writeReport([views.latencySection('Latency (preprocess + inference)'), views.errorsSection()]);
    if (options.report !== undefined) io.stderr(`report: ${options.report}`);
    if (failures > 0) io.stderr(`${failures} of ${plural(files.length + missing.length, 'input')} failed`);
    return failures > 0 ? EXIT_FAILURE : EXIT_OK;
  } finally {
    await classifier.close();
  }
}

export function registerClassifyCommand(program: Command): void {
  program
    .command('classify')
    .description('classify image files (JPEG, PNG, WebP) or folders of them; prints the top-k classes per image')
    .argument('<inputs...>', 'image files or folders (searched recursively)')
    .option(
      '-m, --model <model>',
      'catalogue name (xx_small, EdgeNeXt_small, ...), synthetic:<name>, or a model file (.onnx, .bin, .emu.json); default: synthetic xx_small',
    )
    .option('-b, --backend <backend>', 'auto | onnx | bpu', 'auto')
    .option('--bpu-lib <path>', 'BPU runtime library (default: $EDGENEXT_BPU_LIB or libdnn.so)')
    .option('-k, --top-k <k>', 'classes to print per image', '5')
    .option('--json', 'print one JSON object per image (JSON Lines)')
    .option('--threads <n>', 'ONNX Runtime threads')
    .option('--resize <policy>', `override the model's resize policy: ${RESIZE_POLICIES.join(' | ')}`)
    .option(
      '--model-dir <dir>',
      'where downloaded models live (default: $EDGENEXT_MODEL_DIR or ~/.cache/edgenext/models)',
    )
    .option('--annotate <dir>', 'write each image with its top-k drawn on it as <dir>/<name>.jpg')
    .option('--report <file>', 'write a self-contained HTML report (thumbnails, top-5 bars, latency)')
    .action(async (inputs: string[], options: ClassifyCommandOptions) => {
      process.exitCode = await runClassify(inputs, options);
    });
}
