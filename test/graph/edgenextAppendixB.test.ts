import './hostTypedArrays';

import { ort } from '../../src/backends/onnx/ort';
import {
  buildEdgeNeXtModel,
  EDGENEXT_VARIANT_SPECS,
  EDGENEXT_VARIANTS,
  type EdgeNeXtVariant,
  inspectOnnxModel,
  syntheticInput,
} from '../../src/graph';

/**
 * The numeric check of docs/edgenext-architecture.md Appendix B: with the seeded weights (LCG, seed 12345)
 * and input (seed 777), ONNX Runtime on our graph must reproduce timm's logits within 2e-5. This proves
 * the architecture (wiring, LayerNorm eps, erf GELU, Fourier encoding, XCA) is right.
 */

interface Expected {
  readonly first8: readonly number[];
  readonly argmax: number;
  readonly top5: readonly number[];
  readonly top1Logit: number;
  readonly sum: number;
  readonly l2: number;
}

const EXPECTED: Record<EdgeNeXtVariant, Expected> = {
  xx_small: {
    first8: [0.05852, 0.90169, -0.45101, -1.65961, 0.00912, -0.83829, 0.46608, -0.71258],
    argmax: 245,
    top5: [245, 580, 480, 784, 515],
    top1Logit: 3.52982,
    sum: 2.7506,
    l2: 32.081,
  },
  x_small: {
    first8: [-0.31501, -0.34485, 0.60213, -0.04683, 0.4132, 0.33974, 2.09082, -0.08735],
    argmax: 580,
    top5: [580, 310, 614, 374, 128],
    top1Logit: 3.02699,
    sum: -11.3156,
    l2: 31.4068,
  },
  small: {
    first8: [0.34418, 0.11429, -1.23112, 2.24409, 1.77527, -1.30791, -0.02909, -0.5673],
    argmax: 532,
    top5: [532, 233, 398, 767, 600],
    top1Logit: 2.96404,
    sum: 29.478,
    l2: 32.0309,
  },
  base: {
    first8: [-0.7255, -1.42048, -0.15593, 0.77921, -0.02884, 1.51794, 1.15804, -0.65767],
    argmax: 995,
    top5: [995, 171, 778, 698, 260],
    top1Logit: 3.05671,
    sum: -24.7524,
    l2: 32.2491,
  },
};

const SOFTMAX_NAMES: Record<EdgeNeXtVariant, readonly string[]> = {
  xx_small: [
    '/stages/stages.1/blocks/blocks.1/xca/Softmax',
    '/stages/stages.2/blocks/blocks.5/xca/Softmax',
    '/stages/stages.3/blocks/blocks.1/xca/Softmax',
  ],
  x_small: [
    '/stages/stages.1/blocks/blocks.2/xca/Softmax',
    '/stages/stages.2/blocks/blocks.8/xca/Softmax',
    '/stages/stages.3/blocks/blocks.2/xca/Softmax',
  ],
  small: [
    '/stages/stages.1/blocks/blocks.2/xca/Softmax',
    '/stages/stages.2/blocks/blocks.8/xca/Softmax',
    '/stages/stages.3/blocks/blocks.2/xca/Softmax',
  ],
  base: [
    '/stages/stages.1/blocks/blocks.2/xca/Softmax',
    '/stages/stages.2/blocks/blocks.8/xca/Softmax',
    '/stages/stages.3/blocks/blocks.2/xca/Softmax',
  ],
};

const PARAMETERS: Record<EdgeNeXtVariant, number> = {
  xx_small: 1_327_216,
  x_small: 2_336_804,
  small: 5_586_832,
  base: 18_511_292,
};

const IMAGE_ELEMENTS = 3 * 224 * 224;
const LOGIT_TOLERANCE = 2e-5;
// Sum and L2 are published with 4 decimals: half a unit of the 4th decimal plus the logit tolerance.
const AGGREGATE_TOLERANCE = 5e-5 + LOGIT_TOLERANCE;

function topK(values: Float32Array, k: number): number[] {
  return Array.from(values.keys())
    .sort((a, b) => (values[b] as number) - (values[a] as number))
    .slice(0, k);
}

async function runLogits(session: ort.InferenceSession, input: Float32Array, batch: number): Promise<Float32Array> {
  const result = await session.run({ data: new ort.Tensor('float32', input, [batch, 3, 224, 224]) });
  const output = result['output'];
  if (!output) throw new Error('no output tensor');
  expect(output.dims).toEqual([batch, 1000]);
  return output.data as Float32Array;
}

describe.each(EDGENEXT_VARIANTS)('EdgeNeXt %s built graph', (variant) => {
  let bytes: Uint8Array;
  let session: ort.InferenceSession;
  let logits: Float32Array;
  const input = syntheticInput(IMAGE_ELEMENTS);

  beforeAll(async () => {
    bytes = buildEdgeNeXtModel(variant);
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    logits = await runLogits(session, input, 1);
  });

  afterAll(async () => {
    await session?.release();
  });

  it('matches the Appendix B logits within 2e-5 (first 8, argmax, top-5, sum, L2)', () => {
    const expected = EXPECTED[variant];
    Array.from(logits.subarray(0, 8)).forEach((value, i) => {
      expect(Math.abs(value - (expected.first8[i] as number))).toBeLessThanOrEqual(LOGIT_TOLERANCE);
    });
    const top5 = topK(logits, 5);
    expect(top5[0]).toBe(expected.argmax);
    expect(top5).toEqual(expected.top5);
    expect(Math.abs((logits[expected.argmax] as number) - expected.top1Logit)).toBeLessThanOrEqual(LOGIT_TOLERANCE);
    let sum = 0;
    let squares = 0;
    for (const value of logits) {
      sum += value;
      squares += value * value;
    }
    expect(Math.abs(sum - expected.sum)).toBeLessThanOrEqual(AGGREGATE_TOLERANCE);
    expect(Math.abs(Math.sqrt(squares) - expected.l2)).toBeLessThanOrEqual(AGGREGATE_TOLERANCE);
  });

  it("has exactly timm's learned-parameter count as initializer elements", () => {
    const summary = inspectOnnxModel(bytes);
    expect(summary.initializerElementCount).toBe(PARAMETERS[variant]);
    expect(summary.initializerElementCount).toBe(EDGENEXT_VARIANT_SPECS[variant].parameterCount);
    expect(summary.initializerCount).toBe(variant === 'xx_small' ? 160 : 214);
  });

  it('names the Softmax nodes as the model zoo node_info does, with the zoo interface', () => {
    const summary = inspectOnnxModel(bytes);
    expect(summary.softmaxNodeNames).toEqual(SOFTMAX_NAMES[variant]);
    expect(summary.opsetVersion).toBe(11);
    expect(summary.inputs).toEqual([{ name: 'data', elementType: 'float32', shape: ['batch', 3, 224, 224] }]);
    expect(summary.outputs).toEqual([{ name: 'output', elementType: 'float32', shape: ['batch', 1000] }]);
  });

  it('gives each sample of a batch of 2 the logits it gets alone', async () => {
    const second = syntheticInput(IMAGE_ELEMENTS, 778);
    const batch = new Float32Array(2 * IMAGE_ELEMENTS);
    batch.set(input, 0);
    batch.set(second, IMAGE_ELEMENTS);
    const pair = await runLogits(session, batch, 2);
    const alone = await runLogits(session, second, 1);
    // The two samples differ, so a batch bug (e.g. a Reshape that folds the batch) cannot pass by accident.
    expect(Math.abs((alone[0] as number) - (logits[0] as number))).toBeGreaterThan(1e-3);
    for (let i = 0; i < 1000; i += 1) {
      expect(Math.abs((pair[i] as number) - (logits[i] as number))).toBeLessThanOrEqual(1e-5);
      expect(Math.abs((pair[1000 + i] as number) - (alone[i] as number))).toBeLessThanOrEqual(1e-5);
    }
  });
});
