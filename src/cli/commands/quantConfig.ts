import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { errorMessage } from '../../core/errors';
import { inspectOnnxModel, METADATA_KEYS, type OnnxModelSummary } from '../../graph';
import {
  findModelEntry,
  findModelEntryByFile,
  loadModelCatalog,
  type ModelCatalog,
  type ModelEntry,
} from '../../model/modelCatalog';
import { buildQuantConfig, checkQuantConfig } from '../../model/quantConfig';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIo, UsageError, type CommandIo } from '../commandIo';

export interface QuantConfigCommandOptions {
  /** Catalogue entry whose preprocessing applies; default: found from the file name or the synthetic metadata. */
  readonly model?: string;
  readonly catalog?: string;
  /** Output file; default stdout. */
  readonly output?: string;
  /** An existing hb_mapper YAML to check instead of writing one. */
  readonly check?: string;
}

/** The entry named by --model, else the one whose ONNX file has this name, else a synthetic graph's variant. */
function entryFor(catalog: ModelCatalog, onnxFile: string, summary: OnnxModelSummary, model?: string): ModelEntry {
  if (model !== undefined) {
    const entry = findModelEntry(catalog, model);
    if (entry === undefined) {
      throw new UsageError(`unknown model "${model}" (known: ${catalog.entries.map((e) => e.name).join(', ')})`);
    }
    return entry;
  }
  const variant = summary.metadata[METADATA_KEYS.variant];
  const entry =
    findModelEntryByFile(catalog, onnxFile) ??
    catalog.entries.find((e) => variant !== undefined && e.syntheticVariant === variant);
  if (entry === undefined) {
    throw new UsageError(`cannot tell which catalogue model ${onnxFile} is; name it with --model <name>`);
  }
  return entry;
}

/** `edgenext models quant-config <onnx>` and `--check <yaml> <onnx>`. Returns the exit code. */
export async function runQuantConfig(
  onnxFile: string,
  options: QuantConfigCommandOptions,
  io: CommandIo = processIo,
): Promise<number> {
  const say = (line: string): void => io.stderr(`edgenext models quant-config: ${line}`);
  let summary: OnnxModelSummary;
  let entry: ModelEntry;
  try {
    const catalog = loadModelCatalog(options.catalog);
    summary = inspectOnnxModel(await fs.readFile(onnxFile));
    entry = entryFor(catalog, onnxFile, summary, options.model);
  } catch (error) {
    say(`${onnxFile}: ${errorMessage(error)}`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  }

  if (options.check !== undefined) {
    let text: string;
    try {
      text = await fs.readFile(options.check, 'utf8');
      const { problems, notes } = checkQuantConfig(text, entry, summary);
      for (const note of notes) io.stdout(`note: ${note}`);
      for (const problem of problems) io.stdout(`problem: ${problem}`);
      io.stdout(
        problems.length === 0
          ? `${options.check}: matches ${onnxFile} and ${entry.name}'s preprocessing`
          : `${options.check}: ${problems.length} problem${problems.length === 1 ? '' : 's'} against ${onnxFile} (${entry.name})`,
      );
      return problems.length === 0 ? EXIT_OK : EXIT_FAILURE;
    } catch (error) {
      say(`${options.check}: ${errorMessage(error)}`);
      return EXIT_FAILURE;
    }
  }

  try {
    const yaml = buildQuantConfig(entry, summary, { onnxFile });
    if (options.output === undefined) {
      for (const line of yaml.trimEnd().split('\n')) io.stdout(line);
    } else {
      await fs.writeFile(options.output, yaml);
      io.stderr(`wrote ${options.output} (${entry.name}, ${summary.softmaxNodeNames.length} Softmax nodes in int16)`);
    }
    const missing = (entry.quantization?.int16Nodes ?? []).filter((name) => !summary.nodeNames.includes(name));
    for (const name of missing) say(`warning: catalogue int16 node ${name} is not in ${onnxFile}`);
    return EXIT_OK;
  } catch (error) {
    say(`${onnxFile}: ${errorMessage(error)}`);
    return EXIT_FAILURE;
  }
}

export function registerQuantConfigCommand(models: Command): void {
  models
    .command('quant-config')
    .description(
      'write the hb_mapper YAML (RDK X5 quantisation) for an ONNX model as the model zoo does, or --check an existing one',
    )
    .argument('<onnx>', 'the float ONNX model')
    .option('-m, --model <name>', 'catalogue entry (default: found from the file name or synthetic metadata)')
    .option('-o, --output <file>', 'write the YAML here (default: print it)')
    .option('--check <yaml>', 'check this hb_mapper YAML against the graph and the catalogue instead')
    .option('--catalog <file>', 'model catalogue YAML (default: config/models.yaml of the package)')
    .action(async (onnx: string, options: QuantConfigCommandOptions) => {
      process.exitCode = await runQuantConfig(onnx, options);
    });
}
