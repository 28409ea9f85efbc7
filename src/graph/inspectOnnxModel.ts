import { onnx } from 'onnx-proto';

import { EdgenextError, ErrorCodes } from '../core/errors';

/** A graph input or output: element type name and dims (numbers, symbolic names, or '?' when unknown). */
export interface OnnxTensorInfo {
  readonly name: string;
  readonly elementType: string;
  readonly shape: readonly (number | string)[];
}

export interface OnnxModelSummary {
  readonly irVersion: number;
  /** Opset of the default (ai.onnx) domain; undefined if the model imports none. */
  readonly opsetVersion: number | undefined;
  /** All imported opsets, `''` being ai.onnx. */
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graphName: string;
  /** Real inputs: graph inputs that are not initializers (old IR versions list initializers as inputs too). */
  readonly inputs: readonly OnnxTensorInfo[];
  readonly outputs: readonly OnnxTensorInfo[];
  readonly initializerCount: number;
  /**
   * Sum of the element counts of all initializers: what the model zoo's counting script prints as the
   * parameter count.
   */
  readonly initializerElementCount: number;
  readonly nodeCount: number;
  readonly constantNodeCount: number;
  /** Node count per op type, sorted by op type. */
  readonly opCounts: Readonly<Record<string, number>>;
  readonly softmaxNodeNames: readonly string[];
  /** Every node name in graph order (what hb_mapper's node_info addresses). */
  readonly nodeNames: readonly string[];
  /** ModelProto.metadata_props. */
  readonly metadata: Readonly<Record<string, string>>;
}

type IntLike = number | { toNumber(): number };

/** protobufjs decodes int64 fields as Long objects when the `long` package is present. */
function toNumber(value: IntLike | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

const ELEMENT_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

function tensorInfo(value: onnx.IValueInfoProto): OnnxTensorInfo {
  const tensorType = value.type?.tensorType;
  const elemType = tensorType?.elemType ?? 0;
  const dims = tensorType?.shape?.dim ?? [];
  return {
    name: value.name ?? '',
    elementType: ELEMENT_TYPE_NAMES[elemType] ?? `type ${elemType}`,
    shape: dims.map((d) => {
      if (d.dimParam) return d.dimParam;
      if (d.dimValue !== null && d.dimValue !== undefined) return toNumber(d.dimValue);
      return '?';
    }),
  };
}

/**
 * Decodes an ONNX file (ModelProto bytes) and summarises it: parameter (initializer element) count,
 * inputs/outputs, opset, Softmax node names. Works on any ONNX model; reads no weight values.
 * @throws EdgenextError(corrupt_file) when the bytes are not a protobuf ModelProto with a graph.
 */
export function inspectOnnxModel(bytes: Uint8Array): OnnxModelSummary {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new EdgenextError(ErrorCodes.corruptFile, `not an ONNX model: ${(error as Error).message}`, { cause: error });
  }
  const graph = model.graph;
  // Random bytes can decode as a protobuf by chance; a real model has a graph and an IR version.
  if (!graph || toNumber(model.irVersion) <= 0 || (graph.node ?? []).length === 0) {
    throw new EdgenextError(ErrorCodes.corruptFile, 'not an ONNX model: no graph with nodes and no IR version');
  }

  const initializers = graph.initializer ?? [];
  const initializerNames = new Set(initializers.map((t) => t.name ?? ''));
  const initializerElementCount = initializers.reduce(
    (sum, t) => sum + (t.dims ?? []).reduce<number>((product, d) => product * toNumber(d), 1),
    0,
  );

  const opCounts: Record<string, number> = {};
  const softmaxNodeNames: string[] = [];
  for (const node of graph.node ?? []) {
    const opType = node.opType ?? '';
    opCounts[opType] = (opCounts[opType] ?? 0) + 1;
    if (opType === 'Softmax' && (node.domain ?? '') === '') softmaxNodeNames.push(node.name ?? '');
  }

  const opsets = (model.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: toNumber(o.version) }));
  const defaultOpset = opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  const metadata: Record<string, string> = {};
  for (const entry of model.metadataProps ?? []) metadata[entry.key ?? ''] = entry.value ?? '';

  return {
    irVersion: toNumber(model.irVersion),
    opsetVersion: defaultOpset?.version,
    opsets,
    producerName: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    graphName: graph.name ?? '',
    inputs: (graph.input ?? []).filter((i) => !initializerNames.has(i.name ?? '')).map(tensorInfo),
    outputs: (graph.output ?? []).map(tensorInfo),
    initializerCount: initializers.length,
    initializerElementCount,
    nodeCount: (graph.node ?? []).length,
    constantNodeCount: opCounts['Constant'] ?? 0,
    opCounts: Object.fromEntries(Object.entries(opCounts).sort(([a], [b]) => a.localeCompare(b))),
    softmaxNodeNames,
    nodeNames: (graph.node ?? []).map((node) => node.name ?? ''),
    metadata,
  };
}
