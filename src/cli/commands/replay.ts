import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { errorMessage, isEdgenextError } from '../../core/errors';
import type { PipelineOptions } from '../../pipeline';
import {
  formatReplaySummary,
  openReplayBag,
  replayOpenedBag,
  type OpenedReplayBag,
  type ReplayClassifier,
  type ReplayPace,
  type ReplaySummary,
} from '../../replay';
import { BACKEND_CHOICES } from '../../model/resolveModel';
import { openClassifier } from '../../runtime/openClassifier';
import { pipelineOptionsFrom } from '../../ros/ClassifierNode';
import { readNodeParamsFile } from '../../ros/paramsFile';
import { ResultViews } from '../resultViews';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIo, type CommandIo } from '../commandIo';

/** The command's I/O (commandIo); `progress` shows a bar on stderr, default: when stderr is a terminal. */
export interface ReplayCommandIo extends CommandIo {
  readonly progress?: boolean;
}

const replayProcessIo: ReplayCommandIo = { ...processIo, progress: processIo.interactive === true };

const BACKENDS = BACKEND_CHOICES;

/** Options as commander hands them over (strings, validated here so messages name the option). */
export interface ReplayCommandOptions {
  readonly topics?: readonly string[];
  readonly out?: string;
  /** commander's --no-out: write no result files. */
  readonly noOut?: boolean;
  readonly rate?: string;
  readonly maxSpeed?: boolean;
  readonly window?: string;
  readonly model?: string;
  readonly backend?: string;
  readonly bpuLib?: string;
  readonly topK?: string;
  readonly json?: boolean;
  /** The node's parameters file: the pipeline runs with its settings. */
  readonly params?: string;
  /** Replace existing result files. */
  readonly overwrite?: boolean;
  /** Folder for annotated JPEGs. */
  readonly annotate?: string;
  /** Path of the HTML report. */
  readonly report?: string;
}

/** A classifier that replay can close; the runtime's Classifier fits. */
export type OpenReplayClassifier = (options: {
  model?: string;
  backend?: 'auto' | 'onnx' | 'bpu';
  bpuLibraryPath?: string;
}) => Promise<ReplayClassifier & { close(): Promise<void> }>;

/** The results files of a bag: `<out>/<bag name>_results` (rosbag2 MCAP) and the same name + `.jsonl`. */
export function resultsPrefix(outDir: string, bagPath: string): string {
  const name = path.basename(path.resolve(bagPath)).replace(/\.(mcap|db3)$/i, '');
  return path.join(outDir, `${name}_results`);
}

function summaryJson(summary: ReplaySummary): string {
  return JSON.stringify(summary, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** `edgenext replay <bag>`: the pipeline over a bag's image topics. Returns the exit code. */
export async function runReplayCommand(
  bagPath: string,
  options: ReplayCommandOptions,
  io: ReplayCommandIo = replayProcessIo,
  open: OpenReplayClassifier = openClassifier,
): Promise<number> {
  const usage = (message: string): number => {
    io.stderr(`edgenext replay: ${message}`);
    return EXIT_USAGE;
  };
  if (options.rate !== undefined && options.maxSpeed === true)
    return usage('--rate and --max-speed exclude each other');
  let pace: ReplayPace = { mode: 'rate', rate: 1 };
  if (options.maxSpeed === true) {
    let window: number | undefined;
    if (options.window !== undefined) {
      window = Number(options.window);
      if (!Number.isInteger(window) || window < 1)
        return usage(`--window must be an integer >= 1, got '${options.window}'`);
    }
    pace = { mode: 'max_speed', ...(window !== undefined && { window }) };
  } else if (options.rate !== undefined) {
    const rate = Number(options.rate);
    if (!(rate > 0) || !Number.isFinite(rate))
      return usage(`--rate must be a positive number (1.0 = recorded speed), got '${options.rate}'`);
    pace = { mode: 'rate', rate };
  }
  const topK = options.topK === undefined ? undefined : Number(options.topK);
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 1))
    return usage(`--top-k must be an integer >= 1, got '${options.topK}'`);
  const backend = options.backend ?? 'auto';
  if (!(BACKENDS as readonly string[]).includes(backend))
    return usage(`--backend must be one of ${BACKENDS.join(', ')}, got '${backend}'`);

  let classifier: (ReplayClassifier & { close(): Promise<void> }) | undefined;
  let opened: OpenedReplayBag | undefined;
  let bar: SingleBar | undefined;
  try {
    let pipeline: Partial<PipelineOptions> | undefined;
    if (options.params !== undefined) pipeline = pipelineOptionsFrom(await readNodeParamsFile(options.params));
    // Refuse a bag that cannot be replayed before spending seconds on loading a model; the bag is read once.
    opened = await openReplayBag(bagPath, options.topics);
    classifier = await open({
      ...(options.model !== undefined && { model: options.model }),
      ...(options.bpuLib !== undefined && { bpuLibraryPath: options.bpuLib }),
      backend: backend as (typeof BACKENDS)[number],
    });
    const views =
      options.annotate !== undefined || options.report !== undefined
        ? await ResultViews.create({
            ...(options.annotate !== undefined && { annotateDir: options.annotate }),
            ...(options.report !== undefined && { reportFile: options.report }),
            title: `edgenext replay: ${path.basename(path.resolve(bagPath))}`,
            card: classifier.card,
          })
        : undefined;
    if (io.progress === true && options.json !== true) {
      bar = new SingleBar(
        { format: 'replay [{bar}] {value}/{total} frames | {classified} classified', stream: process.stderr },
        Presets.shades_classic,
      );
    }
    let started = false;
    const summary = await replayOpenedBag(
      opened,
      {
        bagPath,
        pace,
        ...(topK !== undefined && { topK }),
        ...(pipeline !== undefined && { pipeline }),
        ...(options.overwrite === true && { overwrite: true }),
        ...(options.topics !== undefined && options.topics.length > 0 && { topics: options.topics }),
        ...(options.noOut !== true && { out: resultsPrefix(options.out ?? 'results', bagPath) }),
        ...(views !== undefined && {
          keepImages: true,
          onResult: (r) => views.enqueueReplayResult(r),
          beforeFeed: () => views.backpressure(),
        }),
        onProgress: (p) => {
          if (bar === undefined) return;
          if (!started) {
            bar.start(p.total, 0, { classified: 0 });
            started = true;
          }
          bar.update(p.read, { classified: p.classified });
        },
      },
      classifier,
    );
    bar?.stop();
    bar = undefined;
    const viewProblems = (await views?.settle()) ?? [];
    for (const problem of viewProblems) io.stderr(`edgenext replay: ${problem}`);
    await views?.writeReport(views.replaySections(summary));
    if (options.report !== undefined) io.stderr(`report: ${options.report}`);
    if (options.json === true) io.stdout(summaryJson(summary));
    else for (const line of formatReplaySummary(summary)) io.stdout(line);
    if (summary.error !== undefined) {
      io.stderr(`edgenext replay: ${summary.error}`);
      return EXIT_FAILURE;
    }
    if (viewProblems.length > 0) return EXIT_FAILURE;
    return EXIT_OK;
  } catch (error) {
    bar?.stop();
    io.stderr(`edgenext replay: ${errorMessage(error)}`);
    return isEdgenextError(error) && error.code === 'invalid_config' ? EXIT_USAGE : EXIT_FAILURE;
  } finally {
    await classifier?.close();
    await opened?.close();
  }
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      'run the classification pipeline over the image topics of a rosbag2 bag (MCAP or sqlite3), no ROS needed',
    )
    .argument('<bag>', 'bag directory (with metadata.yaml) or a .mcap / .db3 file')
    .option('--topics <topic...>', 'image topics to replay (default: every Image / CompressedImage topic)')
    .option(
      '--out <dir>',
      'folder for the results: <bag>_results (rosbag2 MCAP bag) and <bag>_results.jsonl',
      'results',
    )
    .option('--no-out', 'write no result files')
    .option(
      '--rate <factor>',
      'play in bag time at this speed factor (frames are dropped as live when the backend is slower); default 1.0',
    )
    .option('--max-speed', 'feed as fast as the pipeline takes frames, without drops for lack of queue room')
    .option('--window <frames>', 'with --max-speed: unfinished frames allowed per topic')
    .option('--model <name|file>', 'model variant or file (default: the bundled model, synthetic weights)')
    .option('--backend <kind>', `inference backend: ${BACKENDS.join(', ')}`, 'auto')
    .option('--bpu-lib <path>', 'BPU runtime library (default: $EDGENEXT_BPU_LIB or libdnn.so)')
    .option('--top-k <k>', 'classes per result (default: top_k of --params, else 5)')
    .option(
      '--params <yaml>',
      "the node's parameters file (as config/classify.yaml): replay with its queue policy, depth, max age, batching and in-flight settings",
    )
    .option('--overwrite', 'replace existing result files (default: refuse)')
    .option('--json', 'print the summary as JSON')
    .option('--annotate <dir>', 'write every classified frame with its top-k drawn on it as <dir>/<topic>_<stamp>.jpg')
    .option('--report <file>', 'write a self-contained HTML report (thumbnails, drops, latency, throughput)')
    .action(async (bag: string, options: Omit<ReplayCommandOptions, 'out'> & { out?: string | false }) => {
      const { out, ...rest } = options;
      process.exitCode = await runReplayCommand(bag, { ...rest, ...(out === false ? { noOut: true } : { out }) });
    });
}
