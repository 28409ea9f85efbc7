import { type GraphBuilder, tensor } from '../GraphBuilder';
import type { WeightMap } from '../syntheticWeights';

/** Holds the builder and the weights, and checks that every learned tensor is used exactly once. */
export class ModuleContext {
  readonly builder: GraphBuilder;
  readonly #weights: WeightMap;
  readonly #used = new Set<string>();
  #matmulWeightCounter = 0;

  constructor(builder: GraphBuilder, weights: WeightMap) {
    this.builder = builder;
    this.#weights = weights;
  }

  #take(name: string): Float32Array {
    const values = this.#weights.get(name);
    if (!values) throw new Error(`no weights for parameter "${name}"`);
    if (this.#used.has(name)) throw new Error(`parameter "${name}" used twice`);
    this.#used.add(name);
    return values;
  }

  /** A learned tensor as an initializer under its PyTorch name, in PyTorch layout. */
  param(name: string, dims: readonly number[]): string {
    return this.builder.initializer(name, tensor.float32(dims, this.#take(name)));
  }

  /**
   * A Linear weight [out, in] stored transposed [in, out] as the MatMul B input, under an exporter-style
   * `onnx::MatMul_<n>` name (torch's numbers are arbitrary; ours count from 1).
   */
  transposedLinearWeight(name: string, outFeatures: number, inFeatures: number): string {
    const values = this.#take(name);
    const transposed = new Float32Array(values.length);
    for (let o = 0; o < outFeatures; o += 1) {
      for (let i = 0; i < inFeatures; i += 1) transposed[i * outFeatures + o] = values[o * inFeatures + i] as number;
    }
    this.#matmulWeightCounter += 1;
    return this.builder.initializer(
      `onnx::MatMul_${this.#matmulWeightCounter}`,
      tensor.float32([inFeatures, outFeatures], transposed),
    );
  }

  /** @throws Error naming the parameters the graph never consumed (a builder bug). */
  assertAllUsed(): void {
    const unused = [...this.#weights.keys()].filter((name) => !this.#used.has(name));
    if (unused.length > 0) throw new Error(`parameters not used by the graph: ${unused.join(', ')}`);
  }
}
