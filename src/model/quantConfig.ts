import path from 'node:path';
import { Document, parse as parseYaml } from 'yaml';
import type { ModelEntry } from './modelCatalog';

/**
 * The hb_mapper (RDK X5 toolchain) quantisation config the model zoo ships per EdgeNeXt variant
 * (edgenext-architecture.md §5.2), generated from a graph and a catalogue entry, and checked against them.
 */

/** What the config needs to know about the ONNX graph (a subset of graph/inspectOnnxModel's summary). */
export interface QuantGraph {
  readonly inputs: readonly { readonly name: string; readonly shape: readonly (number | string)[] }[];
  readonly nodeNames: readonly string[];
  readonly softmaxNodeNames: readonly string[];
}

/** The zoo's settings that are the same for every variant (§5.2). */
export const ZOO_HB_MAPPER = {
  march: 'bayes-e',
  calDataDir: './calibration_data_rgb_f32',
  calDataType: 'float32',
  calibrationType: 'max',
  maxPercentile: 0.999,
  compileMode: 'latency',
  optimizeLevel: 'O3',
} as const;

const INT16_ON_BPU = { ON: 'BPU', InputType: 'int16', OutputType: 'int16' } as const;

/** hb_mapper's mean_value / scale_value: normalisation on the 0..255 scale, 7 significant digits as the zoo writes. */
export function hbMapperNormalisation(entry: ModelEntry): { mean: number[]; scale: number[] } {
  const mean = entry.onnx?.mean ?? [0.485, 0.456, 0.406];
  const std = entry.onnx?.std ?? [0.229, 0.224, 0.225];
  const sevenDigits = (value: number): number => Number(value.toPrecision(7));
  return { mean: mean.map((m) => sevenDigits(m * 255)), scale: std.map((s) => sevenDigits(1 / (255 * s))) };
}

/** `<name>_<w>x<h>_nv12`: the stem of the entry's .bin, which hb_mapper writes from output_model_file_prefix. */
export function outputModelPrefix(entry: ModelEntry): string {
  if (entry.bpu !== undefined) return entry.bpu.file.replace(/\.bin$/i, '');
  return `${entry.name}_${entry.inputWidth}x${entry.inputHeight}_nv12`;
}

function trainLayout(shape: readonly (number | string)[]): 'NCHW' | 'NHWC' | undefined {
  if (shape.length !== 4) return undefined;
  if (shape[1] === 3) return 'NCHW';
  if (shape[3] === 3) return 'NHWC';
  return undefined;
}

export interface QuantConfigOptions {
  /** The ONNX file as hb_mapper should find it from its working folder; written as `./<basename>`. */
  readonly onnxFile: string;
}

/**
 * The hb_mapper YAML for `graph` as the model zoo writes it: the graph's Softmax nodes (plus the entry's extra
 * int16 nodes) on the BPU in int16, NV12 at run time and RGB NCHW in training, the catalogue's normalisation.
 * The single graph input is named "" as in the zoo's files (hb_mapper then takes the only input); its real name
 * and shape go into a comment. Throws when the graph does not have exactly one 4-D RGB input.
 */
export function buildQuantConfig(entry: ModelEntry, graph: QuantGraph, options: QuantConfigOptions): string {
  if (graph.inputs.length !== 1) {
    throw new Error(
      `the graph has ${graph.inputs.length} inputs (${graph.inputs.map((i) => i.name).join(', ')}); hb_mapper configs here are for single-input classifiers`,
    );
  }
  const [input] = graph.inputs as [QuantGraph['inputs'][number]];
  const layout = trainLayout(input.shape);
  if (layout === undefined) {
    throw new Error(`graph input ${input.name} [${input.shape.join(', ')}] is not a 4-D image with 3 channels`);
  }
  const prefix = outputModelPrefix(entry);
  const { mean, scale } = hbMapperNormalisation(entry);
  const int16Nodes = [
    ...graph.softmaxNodeNames,
    ...(entry.quantization?.int16Nodes ?? []),
    ...(entry.quantization?.hbMapperInternalNodes ?? []),
  ];
  const config = {
    model_parameters: {
      onnx_model: `./${path.basename(options.onnxFile)}`,
      march: ZOO_HB_MAPPER.march,
      layer_out_dump: false,
      working_dir: prefix,
      output_model_file_prefix: prefix,
      node_info: Object.fromEntries(int16Nodes.map((name) => [name, { ...INT16_ON_BPU }])),
    },
    input_parameters: {
      input_name: '',
      input_type_rt: 'nv12',
      input_type_train: 'rgb',
      input_layout_train: layout,
      norm_type: 'data_mean_and_scale',
      mean_value: mean.join(' '),
      scale_value: scale.join(' '),
    },
    calibration_parameters: {
      cal_data_dir: ZOO_HB_MAPPER.calDataDir,
      cal_data_type: ZOO_HB_MAPPER.calDataType,
      calibration_type: ZOO_HB_MAPPER.calibrationType,
      max_percentile: ZOO_HB_MAPPER.maxPercentile,
    },
    compiler_parameters: {
      compile_mode: ZOO_HB_MAPPER.compileMode,
      debug: false,
      optimize_level: ZOO_HB_MAPPER.optimizeLevel,
    },
  };
  const doc = new Document(config);
  doc.commentBefore =
    ` hb_mapper makertbin config for ${entry.name}, written by edgenext models quant-config\n` +
    ` graph input: ${input.name} [${input.shape.join(', ')}] (input_name "" = the only input, as the model zoo writes it)`;
  return doc.toString({ lineWidth: 0 });
}

export interface QuantConfigCheck {
  /** Mismatches that make the config wrong for this graph or model: each one line naming the key and both values. */
  readonly problems: string[];
  /** Facts worth knowing that are not errors (e.g. hb_mapper-internal node names). */
  readonly notes: string[];
}

type YamlMap = Record<string, unknown>;

function section(root: YamlMap, key: string): YamlMap {
  const value = root[key];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as YamlMap) : {};
}

function numbersOf(value: unknown): number[] | undefined {
  if (typeof value === 'number') return [value];
  if (typeof value !== 'string') return undefined;
  const parts = value
    .trim()
    .split(/[\s,]+/)
    .map(Number);
  return parts.every((n) => Number.isFinite(n)) ? parts : undefined;
}

/** Relative agreement at the 7 significant digits hb_mapper configs carry. */
function sameTriple(actual: readonly number[], expected: readonly number[]): boolean {
  return (
    actual.length === expected.length &&
    actual.every((a, i) => Math.abs(a - (expected[i] as number)) <= 1e-5 * Math.abs(expected[i] as number))
  );
}

/**
 * Checks an existing hb_mapper YAML against a graph and the catalogue entry: node_info names exist in the graph
 * (hb_mapper-internal names the catalogue knows are notes, not problems), every Softmax node is pinned to int16,
 * the input name / shape / layout match the graph, the normalisation matches the model's preprocessing, and the
 * march is the X5's. Throws only when the text is not YAML.
 */
export function checkQuantConfig(yamlText: string, entry: ModelEntry, graph: QuantGraph): QuantConfigCheck {
  const parsed: unknown = parseYaml(yamlText);
  const root: YamlMap = parsed !== null && typeof parsed === 'object' ? (parsed as YamlMap) : {};
  const problems: string[] = [];
  const notes: string[] = [];
  const model = section(root, 'model_parameters');
  const input = section(root, 'input_parameters');

  if (model.march !== ZOO_HB_MAPPER.march) {
    problems.push(
      `model_parameters.march is ${JSON.stringify(model.march)}; the RDK X5 BPU is "${ZOO_HB_MAPPER.march}"`,
    );
  }

  const graphNodes = new Set(graph.nodeNames);
  const internal = new Set(entry.quantization?.hbMapperInternalNodes ?? []);
  const nodeInfo = section(model, 'node_info');
  for (const name of Object.keys(nodeInfo)) {
    if (graphNodes.has(name)) continue;
    if (internal.has(name)) {
      notes.push(`node_info names ${name}: not an ONNX node, but hb_mapper's internal name for it (accepted there)`);
    } else {
      problems.push(`node_info names ${name}, which is not a node of the graph`);
    }
  }
  for (const name of graph.softmaxNodeNames) {
    const info = section(nodeInfo, name);
    if (info.ON !== 'BPU' || info.InputType !== 'int16' || info.OutputType !== 'int16') {
      problems.push(`Softmax node ${name} is not pinned to the BPU in int16 (the model zoo does, for accuracy)`);
    }
  }

  const inputName = typeof input.input_name === 'string' ? input.input_name.trim() : '';
  const graphInputs = graph.inputs.map((i) => i.name);
  const graphInput =
    inputName === ''
      ? graph.inputs.length === 1
        ? graph.inputs[0]
        : undefined
      : graph.inputs.find((i) => i.name === inputName);
  if (graphInput === undefined) {
    problems.push(
      inputName === ''
        ? `input_parameters.input_name is empty but the graph has ${graph.inputs.length} inputs (${graphInputs.join(', ')})`
        : `input_parameters.input_name is "${inputName}"; the graph's inputs are: ${graphInputs.join(', ')}`,
    );
  }
  if (graphInput !== undefined && input.input_shape !== undefined) {
    const shape = String(input.input_shape).split('x').map(Number);
    const matches =
      shape.length === graphInput.shape.length &&
      graphInput.shape.every((dim, i) => typeof dim !== 'number' || dim === shape[i]);
    if (!matches) {
      problems.push(
        `input_parameters.input_shape is ${String(input.input_shape)}; graph input ${graphInput.name} is [${graphInput.shape.join(', ')}]`,
      );
    }
  }
  const layout = graphInput !== undefined ? trainLayout(graphInput.shape) : undefined;
  if (layout !== undefined && input.input_layout_train !== layout) {
    problems.push(
      `input_parameters.input_layout_train is ${JSON.stringify(input.input_layout_train)}; the graph takes ${layout}`,
    );
  }
  if (input.input_type_train !== 'rgb') {
    problems.push(
      `input_parameters.input_type_train is ${JSON.stringify(input.input_type_train)}; ${entry.name} was trained on rgb`,
    );
  }
  if (input.input_type_rt !== 'nv12') {
    problems.push(
      `input_parameters.input_type_rt is ${JSON.stringify(input.input_type_rt)}; edgenext feeds the BPU nv12`,
    );
  }

  const expected = hbMapperNormalisation(entry);
  if (input.norm_type !== 'data_mean_and_scale') {
    problems.push(
      `input_parameters.norm_type is ${JSON.stringify(input.norm_type)}; ${entry.name} needs data_mean_and_scale`,
    );
  } else {
    for (const [key, want] of [
      ['mean_value', expected.mean],
      ['scale_value', expected.scale],
    ] as const) {
      const got = numbersOf(input[key]);
      if (got === undefined || !sameTriple(got, want)) {
        problems.push(
          `input_parameters.${key} is ${JSON.stringify(input[key])}; ${entry.name}'s preprocessing needs ${want.join(' ')}`,
        );
      }
    }
  }
  return { problems, notes };
}
