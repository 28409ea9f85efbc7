import { onnx } from 'onnx-proto';

/**
 * A small typed builder for ONNX graphs that names nodes the way torch.onnx.export (TorchScript exporter)
 * does: "/" + module path + "/" + op type, with `_1`, `_2`, ... for later nodes of the same op type in the
 * same module scope, and outputs named `<node>_output_<k>`. Keeping those names lets the model zoo's
 * quantisation configs (`node_info`) address our graphs unchanged.
 *
 * Serialisation goes through the protobufjs classes of `onnx-proto`; nothing here encodes protobuf by hand.
 */

export type TensorDataType = 'float32' | 'int64';

/** A constant tensor: row-major values, `dims` empty for a scalar. */
export interface TensorValue {
  readonly dataType: TensorDataType;
  readonly dims: readonly number[];
  readonly values: Float32Array | readonly number[];
}

export type AttributeValue =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'tensor'; readonly value: TensorValue };

export type Attributes = Readonly<Record<string, AttributeValue>>;

/** Shorthands for node attributes. */
export const attr = {
  int: (value: number): AttributeValue => ({ type: 'int', value }),
  ints: (value: readonly number[]): AttributeValue => ({ type: 'ints', value }),
  float: (value: number): AttributeValue => ({ type: 'float', value }),
  tensor: (value: TensorValue): AttributeValue => ({ type: 'tensor', value }),
} as const;

/** Constant tensors. */
export const tensor = {
  float32: (dims: readonly number[], values: Float32Array | readonly number[]): TensorValue => ({
    dataType: 'float32',
    dims,
    values,
  }),
  /** A float32 scalar (dims []), rounded to float32 like torch's exported constants. */
  scalar: (value: number): TensorValue => ({ dataType: 'float32', dims: [], values: [value] }),
  int64: (values: readonly number[]): TensorValue => ({ dataType: 'int64', dims: [values.length], values }),
} as const;

/** One dimension of a graph input/output: a fixed size or a symbolic name (e.g. "batch"). */
export type Dim = number | string;

export interface NodeOptions {
  /** Number of outputs (default 1). */
  readonly outputCount?: number;
  /** Explicit output names (e.g. the graph output "output"); default `<node>_output_<k>`. */
  readonly outputNames?: readonly string[];
}

export interface ModelOptions {
  /** Default opset of the ai.onnx domain. Default 11 (what the model zoo exports with). */
  readonly opsetVersion?: number;
  /** Default 6 (what torch 1.13 writes for opset 11). */
  readonly irVersion?: number;
  readonly producerName?: string;
  readonly producerVersion?: string;
  /** Key/value pairs stored as ModelProto.metadata_props. */
  readonly metadata?: Readonly<Record<string, string>>;
}

const ELEMENT_TYPE: Record<TensorDataType, onnx.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
};

function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, d) => product * d, 1);
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian raw bytes, as ONNX `raw_data` requires, independent of the host's byte order. */
function rawBytes(value: TensorValue): Uint8Array {
  const count = elementCount(value.dims);
  if (value.values.length !== count) {
    throw new RangeError(`tensor of dims [${value.dims.join(', ')}] needs ${count} values, got ${value.values.length}`);
  }
  if (value.dataType === 'float32' && value.values instanceof Float32Array && HOST_IS_LITTLE_ENDIAN) {
    // Fast path for the multi-megabyte weight tensors: a straight copy of the float32 bytes.
    const copy = new Float32Array(value.values);
    return new Uint8Array(copy.buffer);
  }
  const bytesPerElement = value.dataType === 'float32' ? 4 : 8;
  const bytes = new Uint8Array(count * bytesPerElement);
  const view = new DataView(bytes.buffer);
  if (value.dataType === 'float32') {
    for (let i = 0; i < count; i += 1) view.setFloat32(i * 4, value.values[i] as number, true);
  } else {
    for (let i = 0; i < count; i += 1) view.setBigInt64(i * 8, BigInt(value.values[i] as number), true);
  }
  return bytes;
}

function tensorProto(name: string, value: TensorValue): onnx.ITensorProto {
  return { name, dims: [...value.dims], dataType: ELEMENT_TYPE[value.dataType], rawData: rawBytes(value) };
}

function attributeProto(name: string, value: AttributeValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (value.type) {
    case 'int':
      return { name, type: T.INT, i: value.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...value.value] };
    case 'float':
      return { name, type: T.FLOAT, f: value.value };
    case 'tensor':
      return { name, type: T.TENSOR, t: tensorProto('', value.value) };
  }
}

function valueInfo(name: string, dataType: TensorDataType, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPE[dataType],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * A module scope such as `/stages/stages.1/blocks/blocks.1`. Scopes are cheap views; the per-scope
 * op-type counters live in the builder, so asking for the same path twice continues the numbering.
 */
export class Scope {
  readonly #builder: GraphBuilder;
  readonly path: string;

  constructor(builder: GraphBuilder, path: string) {
    this.#builder = builder;
    this.path = path;
  }

  /** A sub-module scope: `child('stages', 'stages.1')` → `<path>/stages/stages.1`. */
  child(...segments: readonly string[]): Scope {
    return new Scope(this.#builder, `${this.path}/${segments.join('/')}`);
  }

  /** Adds a node with one output and returns that output's name. */
  node(opType: string, inputs: readonly string[], attributes: Attributes = {}): string {
    const [output] = this.nodeOutputs(opType, inputs, attributes);
    return output as string;
  }

  /** Adds a node and returns all its output names. */
  nodeOutputs(
    opType: string,
    inputs: readonly string[],
    attributes: Attributes = {},
    options: NodeOptions = {},
  ): readonly string[] {
    return this.#builder.addNode(this.path, opType, inputs, attributes, options);
  }

  /**
   * A `Constant` node (not an initializer), as the raw torch export emits for every non-learned constant;
   * keeps the initializer element count equal to the learned parameter count.
   */
  constant(value: TensorValue): string {
    return this.node('Constant', [], { value: attr.tensor(value) });
  }
}

/** Builds one ONNX graph: add inputs, nodes, initializers and outputs, then `serialize()`. */
export class GraphBuilder {
  readonly #graphName: string;
  readonly #nodes: onnx.INodeProto[] = [];
  readonly #initializers: onnx.ITensorProto[] = [];
  readonly #initializerNames = new Set<string>();
  readonly #inputs: onnx.IValueInfoProto[] = [];
  readonly #outputs: onnx.IValueInfoProto[] = [];
  readonly #nameCounts = new Map<string, number>();
  #initializerElements = 0;

  /** @param graphName GraphProto.name; torch writes "main_graph". */
  constructor(graphName = 'main_graph') {
    this.#graphName = graphName;
  }

  /** The root scope (empty path); `root.child('stem', 'stem.0')` → `/stem/stem.0`. */
  get root(): Scope {
    return new Scope(this, '');
  }

  get nodeCount(): number {
    return this.#nodes.length;
  }

  /** Sum of the element counts of all initializers added so far. */
  get initializerElementCount(): number {
    return this.#initializerElements;
  }

  addInput(name: string, dataType: TensorDataType, dims: readonly Dim[]): string {
    this.#inputs.push(valueInfo(name, dataType, dims));
    return name;
  }

  addOutput(name: string, dataType: TensorDataType, dims: readonly Dim[]): void {
    this.#outputs.push(valueInfo(name, dataType, dims));
  }

  /**
   * Adds a learned tensor as an initializer and returns its name.
   * @throws Error on a duplicate name or a dims/value-count mismatch (a builder bug, not user input).
   */
  initializer(name: string, value: TensorValue): string {
    if (this.#initializerNames.has(name)) throw new Error(`duplicate initializer "${name}"`);
    this.#initializerNames.add(name);
    this.#initializers.push(tensorProto(name, value));
    this.#initializerElements += elementCount(value.dims);
    return name;
  }

  /** Next torch-style node name for an op type in a scope: `Conv`, then `Conv_1`, `Conv_2`, ... */
  nodeName(scopePath: string, opType: string): string {
    const key = `${scopePath}/${opType}`;
    const seen = this.#nameCounts.get(key) ?? 0;
    this.#nameCounts.set(key, seen + 1);
    return seen === 0 ? key : `${key}_${seen}`;
  }

  addNode(
    scopePath: string,
    opType: string,
    inputs: readonly string[],
    attributes: Attributes,
    options: NodeOptions,
  ): readonly string[] {
    const name = this.nodeName(scopePath, opType);
    const outputCount = options.outputNames?.length ?? options.outputCount ?? 1;
    const outputs = options.outputNames
      ? [...options.outputNames]
      : Array.from({ length: outputCount }, (_, k) => `${name}_output_${k}`);
    this.#nodes.push({
      name,
      opType,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) => attributeProto(key, value)),
    });
    return outputs;
  }

  toModelProto(options: ModelOptions = {}): onnx.ModelProto {
    return onnx.ModelProto.create({
      irVersion: options.irVersion ?? 6,
      producerName: options.producerName ?? 'edgenext',
      producerVersion: options.producerVersion ?? '',
      opsetImport: [{ domain: '', version: options.opsetVersion ?? 11 }],
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.#graphName,
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs,
        output: this.#outputs,
      },
    });
  }

  /** The serialized ModelProto (the bytes of a .onnx file). */
  serialize(options: ModelOptions = {}): Uint8Array {
    return onnx.ModelProto.encode(this.toModelProto(options)).finish();
  }
}
