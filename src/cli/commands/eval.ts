import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { errorMessage } from '../../core/errors';
import { packageRoot } from '../../core/packageRoot';
import { RESIZE_POLICIES } from '../../core/preprocessing';
import { evaluateModels, type EvalModel } from '../../eval/evaluateModels';
import { formatEvalReport, type EvalModelNote } from '../../eval/formatEvalReport';
import { loadLabelledDataset } from '../../eval/labelledDataset';
import type { BackendChoice } from '../../model/resolveModel';
import { backendLabel } from '../../runtime/backendLabel';
import { openClassifier, type ClassifierOptions } from '../../runtime/openClassifier';
import { collectRepeated, MODEL_DIR_HELP, parseBackendOption, parseResizeOption } from '../choiceOptions';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseIntegerOption, processIo, type CommandIo } from '../commandIo';

export interface EvalCommandOptions {
  /** One or more model specs; `<spec>@onnx` / `<spec>@bpu` picks the backend of that model alone. */
  readonly model?: readonly string[];
  readonly backend?: string;
  readonly bpuLib?: string;
  readonly modelDir?: string;
  readonly resize?: string;
  readonly groundTruth?: string;
  readonly synsets?: string;
  readonly limit?: string;
  readonly json?: boolean;
  readonly perClass?: boolean;
}

/** WordNet ids of the 1000 ImageNet classes in index order (sorted ids), shipped with the package. */
export function defaultSynsetsPath(): string {
  return path.join(packageRoot(), 'config', 'imagenet_synsets.txt');
}

function readSynsets(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

interface ModelRequest {
  readonly name: string;
  readonly options: ClassifierOptions;
}

function modelRequests(options: EvalCommandOptions): ModelRequest[] {
  const backend = parseBackendOption(options.backend);
  const resize = parseResizeOption(options.resize);
  const specs = options.model !== undefined && options.model.length > 0 ? options.model : [undefined];
  const seen = new Map<string, number>();
  return specs.map((spec) => {
    const suffix = spec !== undefined ? /@(onnx|bpu)$/.exec(spec) : null;
    const model = suffix !== null && spec !== undefined ? spec.slice(0, -suffix[0].length) : spec;
    const base = model === undefined ? 'default' : model.includes('/') ? path.basename(model) : model;
    const label = suffix !== null ? `${base}@${suffix[1]}` : base;
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    return {
      name: count === 1 ? label : `${label}#${count}`,
      options: {
        backend: (suffix?.[1] as BackendChoice | undefined) ?? backend,
        ...(model !== undefined ? { model } : {}),
        ...(options.bpuLib !== undefined ? { bpuLibraryPath: options.bpuLib } : {}),
        ...(options.modelDir !== undefined ? { modelDir: options.modelDir } : {}),
        ...(resize !== undefined ? { resize } : {}),
      },
    };
  });
}

/** `edgenext eval <dataset>`: Top-1 / Top-5 of one or more models over a labelled image set. Returns the exit code. */
export async function runEval(
  dataset: string,
  options: EvalCommandOptions,
  io: CommandIo = processIo,
): Promise<number> {
  const say = (line: string): void => io.stderr(`edgenext eval: ${line}`);
  let requests: ModelRequest[];
  let limit: number;
  try {
    requests = modelRequests(options);
    limit = options.limit === undefined ? Infinity : parseIntegerOption('--limit', options.limit, 1, 100_000_000);
  } catch (error) {
    say(errorMessage(error));
    return EXIT_USAGE;
  }

  const models: EvalModel[] = [];
  try {
    for (const request of requests) {
      try {
        models.push({ name: request.name, classifier: await openClassifier(request.options) });
      } catch (error) {
        say(`${request.name}: ${errorMessage(error)}`);
        return EXIT_FAILURE;
      }
    }
    const first = models[0]?.classifier;
    if (first === undefined) return EXIT_FAILURE;
    for (const model of models.slice(1)) {
      if (model.classifier.card.numClasses !== first.card.numClasses) {
        say(
          `${model.name} has ${model.classifier.card.numClasses} classes but ${models[0]?.name} has ${first.card.numClasses}; models compared side by side must share their classes`,
        );
        return EXIT_USAGE;
      }
    }

    let images;
    try {
      const synsetsFile = options.synsets ?? (first.card.numClasses === 1000 ? defaultSynsetsPath() : undefined);
      const synsets = synsetsFile !== undefined ? readSynsets(synsetsFile) : undefined;
      const loaded = await loadLabelledDataset(
        dataset,
        { labels: first.labels, ...(synsets !== undefined ? { synsets } : {}) },
        options.groundTruth,
      );
      images = loaded.images.slice(0, limit);
    } catch (error) {
      say(errorMessage(error));
      return EXIT_FAILURE;
    }
    if (images.length === 0) {
      say(`no images found in ${dataset}`);
      return EXIT_FAILURE;
    }

    const bar =
      io.interactive === true
        ? new SingleBar({ format: 'eval [{bar}] {value}/{total} running top-1: {running}', clearOnComplete: true })
        : undefined;
    bar?.start(images.length, 0, { running: '' });
    const report = await evaluateModels(models, images, first.labels, {
      onUnreadable: (file, reason) => io.stderr(`error: ${file}: ${reason}`),
      onProgress: (progress) =>
        bar?.update(progress.done, {
          running: models.map((m, i) => `${m.name} ${((progress.top1[i] ?? 0) * 100).toFixed(1)}%`).join(', '),
        }),
    });
    bar?.stop();

    const notes: EvalModelNote[] = models.map((m) => {
      const label = backendLabel(m.classifier);
      return {
        name: m.name,
        ranOn: `${m.classifier.card.modelName} on ${label.text}`,
        syntheticWeights: m.classifier.card.syntheticWeights,
        emulated: label.emulated,
      };
    });
    if (options.json === true) {
      io.stdout(JSON.stringify({ dataset, ...report, ranOn: notes }));
    } else {
      for (const line of formatEvalReport(report, notes, { dataset, perClass: options.perClass === true })) {
        io.stdout(line);
      }
    }
    return report.unreadable.length > 0 || report.evaluated === 0 ? EXIT_FAILURE : EXIT_OK;
  } finally {
    for (const model of models) await model.classifier.close();
  }
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'Top-1 / Top-5 of one or more models over a labelled image set, side by side, with top-1 agreement between models',
    )
    .argument('<dataset>', 'an ImageFolder (one sub-folder per class: synset, label or index) or a flat folder')
    .option(
      '-m, --model <model>',
      'model to evaluate, repeatable (catalogue name, synthetic:<name>, or a file; <model>@onnx or @bpu picks its backend)',
      collectRepeated,
    )
    .option('-b, --backend <backend>', 'auto | onnx | bpu (for models without @backend)', 'auto')
    .option('--ground-truth <file>', 'flat folder: lines "<file> <class>" (ImageNet val style), or a .json manifest')
    .option('--synsets <file>', 'WordNet ids in class order (default: the ImageNet list shipped in config/)')
    .option('--limit <n>', 'evaluate only the first n images (sorted by path)')
    .option('--per-class', 'also print Top-1 per ground-truth class')
    .option('--json', 'print the report as one JSON object')
    .option('--bpu-lib <path>', 'BPU runtime library (default: $EDGENEXT_BPU_LIB or libdnn.so)')
    .option('--resize <policy>', `override the models' resize policy: ${RESIZE_POLICIES.join(' | ')}`)
    .option('--model-dir <dir>', MODEL_DIR_HELP)
    .action(async (dataset: string, options: EvalCommandOptions) => {
      process.exitCode = await runEval(dataset, options);
    });
}
