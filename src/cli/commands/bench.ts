import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { EdgenextError, ErrorCodes, errorMessage } from '../../core/errors';
import { benchmarkModel } from '../../benchmark/benchmarkModel';
import { formatZooTable, type BenchRow } from '../../benchmark/formatZooTable';
import type { BenchStop } from '../../benchmark/measureLoad';
import { loadModelCatalog } from '../../model/modelCatalog';
import { resolveModel, type BackendChoice } from '../../model/resolveModel';
import { machineDescription } from '../../runtime/backendLabel';
import type { ClassifierOptions } from '../../runtime/openClassifier';
import { collectRepeated, MODEL_DIR_HELP, parseBackendOption } from '../choiceOptions';
import {
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  parseIntegerOption,
  processIo,
  UsageError,
  type CommandIo,
} from '../commandIo';

export interface BenchCommandOptions {
  /** Model specs; default every catalogue model (synthetic weights on ONNX where the real file is absent). */
  readonly model?: readonly string[];
  readonly backend?: string;
  readonly bpuLib?: string;
  readonly modelDir?: string;
  readonly warmup?: string;
  /** Seconds per measurement (decimal). */
  readonly duration?: string;
  /** Inferences per measurement; replaces --duration. */
  readonly count?: string;
  /** Stream counts for the multi-stream measurement: "4" or a sweep "1,2,4,8". */
  readonly streams?: string;
  /** ONNX Runtime intra-op threads per worker. */
  readonly threads?: string;
  readonly json?: boolean;
}

const DEFAULT_STREAMS = '4';

function parseStop(options: BenchCommandOptions): BenchStop {
  if (options.count !== undefined) return { count: parseIntegerOption('--count', options.count, 1, 10_000_000) };
  const text = options.duration ?? '5';
  const seconds = Number(text);
  if (!/^\d*\.?\d+$/.test(text.trim()) || !(seconds > 0) || seconds > 3600) {
    throw new UsageError(`--duration must be a number of seconds above 0 and at most 3600, got "${text}"`);
  }
  return { durationMs: seconds * 1000 };
}

function parseStreams(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  return parts.map((part) => parseIntegerOption('--streams', part, 1, 256));
}

/** Every catalogue model; on ONNX, a model whose file is not downloaded is measured as its synthetic twin. */
function defaultModels(backend: BackendChoice, modelDir: string | undefined): { name: string; spec: string }[] {
  const catalog = loadModelCatalog();
  return catalog.entries.map((entry) => {
    try {
      resolveModel(catalog, { model: entry.name, backend, ...(modelDir !== undefined ? { modelDir } : {}) });
      return { name: entry.name, spec: entry.name };
    } catch (error) {
      const missing = error instanceof EdgenextError && error.code === ErrorCodes.fileNotFound;
      if (missing && backend !== 'bpu' && entry.syntheticVariant !== undefined) {
        return { name: entry.name, spec: `synthetic:${entry.name}` };
      }
      return { name: entry.name, spec: entry.name };
    }
  });
}

/** `edgenext bench`: the model zoo's performance table measured here. Returns the exit code. */
export async function runBench(options: BenchCommandOptions, io: CommandIo = processIo): Promise<number> {
  const say = (line: string): void => io.stderr(`edgenext bench: ${line}`);
  let stop: BenchStop;
  let streams: number[];
  let warmup: number;
  let backend: BackendChoice;
  let threads: number | undefined;
  try {
    backend = parseBackendOption(options.backend);
    stop = parseStop(options);
    streams = parseStreams(options.streams ?? DEFAULT_STREAMS);
    warmup = parseIntegerOption('--warmup', options.warmup ?? '10', 0, 1_000_000);
    threads = options.threads !== undefined ? parseIntegerOption('--threads', options.threads, 1, 256) : undefined;
  } catch (error) {
    say(errorMessage(error));
    return EXIT_USAGE;
  }
  let models: { name: string; spec: string }[];
  try {
    models =
      options.model !== undefined && options.model.length > 0
        ? options.model.map((spec) => ({
            name: spec.includes('/') ? spec.slice(spec.lastIndexOf('/') + 1) : spec,
            spec,
          }))
        : defaultModels(backend, options.modelDir);
  } catch (error) {
    say(errorMessage(error));
    return EXIT_FAILURE;
  }

  const bar =
    io.interactive === true
      ? new SingleBar({ format: 'bench {what} [{bar}] {percentage}%', clearOnComplete: true, hideCursor: true })
      : undefined;
  const rows: BenchRow[] = [];
  let failed = 0;
  for (const model of models) {
    const classifier: ClassifierOptions = {
      model: model.spec,
      backend,
      ...(options.bpuLib !== undefined ? { bpuLibraryPath: options.bpuLib } : {}),
      ...(options.modelDir !== undefined ? { modelDir: options.modelDir } : {}),
      ...(threads !== undefined ? { threads } : {}),
    };
    try {
      rows.push(
        await benchmarkModel({
          name: model.name,
          classifier,
          warmup,
          stop,
          streams,
          onMeasurement: (what) => {
            bar?.stop();
            bar?.start(100, 0, { what });
            if (bar === undefined && options.json !== true) io.stderr(`measuring ${what} ...`);
          },
          onProgress: (fraction) => bar?.update(Math.round(fraction * 100)),
        }),
      );
    } catch (error) {
      failed++;
      say(`${model.name}: ${errorMessage(error)}`);
    } finally {
      bar?.stop();
    }
  }
  const what = 'count' in stop ? `${stop.count} inferences` : `${stop.durationMs / 1000} s`;
  if (options.json === true) {
    io.stdout(
      JSON.stringify({
        date: new Date().toISOString(),
        machine: machineDescription(),
        measured: 'inference only (preprocessed input, batch 1)',
        warmup,
        stop,
        streams,
        rows,
      }),
    );
  } else if (rows.length > 0) {
    io.stdout(
      `edgenext bench on ${machineDescription()}, ${new Date().toISOString()}: inference only (preprocessed input, batch 1), ` +
        `warm-up ${warmup}, ${what} per measurement, N = ${streams.join(', ')} in flight`,
    );
    io.stdout('');
    for (const line of formatZooTable(rows)) io.stdout(line);
  }
  return failed > 0 ? EXIT_FAILURE : EXIT_OK;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description(
      "the RDK X5 model zoo's performance table measured here: single-stream latency (median, p99) and multi-stream FPS, beside the zoo's X5 figures",
    )
    .option(
      '-m, --model <model>',
      'model to measure, repeatable (default: every catalogue model; synthetic weights on ONNX where not downloaded)',
      collectRepeated,
    )
    .option('-b, --backend <backend>', 'auto | onnx | bpu', 'auto')
    .option(
      '--streams <n>',
      'inferences in flight for the multi-stream figure (threads / BPU tasks), or a sweep "1,2,4,8"',
      DEFAULT_STREAMS,
    )
    .option('--duration <seconds>', 'length of each measurement', '5')
    .option('--count <n>', 'inferences per measurement (instead of --duration)')
    .option('--warmup <n>', 'inferences before each measurement, not counted', '10')
    .option('--threads <n>', 'ONNX Runtime intra-op threads per worker (default 1)')
    .option('--json', 'print the results as one JSON object')
    .option('--bpu-lib <path>', 'BPU runtime library (default: $EDGENEXT_BPU_LIB or libdnn.so)')
    .option('--model-dir <dir>', MODEL_DIR_HELP)
    .action(async (options: BenchCommandOptions) => {
      process.exitCode = await runBench(options);
    });
}
