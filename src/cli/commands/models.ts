import { promises as fs } from 'node:fs';

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

/** Where a command writes; the commander action passes process streams, tests pass collectors. */
export interface CommandIo {
  stdout(line: string): void;
  stderr(line: string): void;
}

const processIo: CommandIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/** Exit codes: 2 = bad arguments, 1 = the operation failed (unwritable path, unreadable or corrupt file). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

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

export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description('EdgeNeXt ONNX models: synthesize and inspect');
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
}
