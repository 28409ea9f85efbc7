import { type ParameterSpec, parameterElementCount } from './edgenextParameters';

/** Seed of the weight stream in docs/edgenext-architecture.md Appendix B. */
export const DEFAULT_WEIGHT_SEED = 12345;
/** Seed of the input stream in Appendix B. */
export const DEFAULT_INPUT_SEED = 777;

const TWO_POW_24 = 16_777_216;

/**
 * The 32-bit LCG of Appendix B: s ← (1664525·s + 1013904223) mod 2^32, value u = (s >>> 8) / 2^24 · 2 − 1
 * in [−1, 1). The first value comes from the first update. Bit-exact with the Python reference.
 */
export class Lcg {
  #state: number;

  /** @param seed unsigned 32-bit integer (other numbers are reduced mod 2^32). */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Next value in [−1, 1). */
  next(): number {
    this.#state = (Math.imul(1664525, this.#state) + 1013904223) >>> 0;
    return ((this.#state >>> 8) / TWO_POW_24) * 2 - 1;
  }
}

/** Learned tensors by PyTorch name, in PyTorch layout. */
export type WeightMap = ReadonlyMap<string, Float32Array>;

function fillRule(spec: ParameterSpec): { base: number; amplitude: number } {
  switch (spec.kind) {
    case 'layerScale':
      return { base: 0.5, amplitude: 0.25 };
    case 'temperature':
      return { base: 1, amplitude: 0.5 };
    case 'normWeight':
      return { base: 1, amplitude: 0.25 };
    case 'normBias':
      return { base: 0, amplitude: 0.25 };
    case 'bias':
      return { base: 0, amplitude: 0.1 };
    case 'weight': {
      const fanIn = parameterElementCount(spec.shape) / (spec.shape[0] as number);
      return { base: 0, amplitude: Math.sqrt(3 / fanIn) };
    }
  }
}

/**
 * Fills every tensor from one LCG stream, in the given order (timm state_dict order for Appendix B),
 * each in PyTorch row-major layout; values computed in float64 then rounded to float32.
 */
export function generateSyntheticWeights(
  specs: readonly ParameterSpec[],
  seed: number = DEFAULT_WEIGHT_SEED,
): WeightMap {
  const rng = new Lcg(seed);
  const weights = new Map<string, Float32Array>();
  for (const spec of specs) {
    const { base, amplitude } = fillRule(spec);
    const values = new Float32Array(parameterElementCount(spec.shape));
    for (let i = 0; i < values.length; i += 1) values[i] = base + amplitude * rng.next();
    weights.set(spec.name, values);
  }
  return weights;
}

/** The Appendix B test input: `count` values x = 2u from an LCG with `seed` (default 777), NCHW order. */
export function syntheticInput(count: number, seed: number = DEFAULT_INPUT_SEED): Float32Array {
  const rng = new Lcg(seed);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i += 1) values[i] = 2 * rng.next();
  return values;
}
