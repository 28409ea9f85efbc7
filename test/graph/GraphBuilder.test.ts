import './hostTypedArrays';

import { onnx } from 'onnx-proto';

import { ort } from '../../src/backends/onnx/ort';
import { GraphBuilder, tensor } from '../../src/graph';
import { gelu, layerNorm, linear, ModuleContext } from '../../src/graph/modules';

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): enough to tell erf GELU from the tanh approximation (~1e-3). */
function erf(x: number): number {
  const sign = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

describe('GraphBuilder', () => {
  it('numbers nodes per op type and module scope like torch.onnx.export', () => {
    const builder = new GraphBuilder();
    const block = builder.root.child('stages', 'stages.1').child('blocks', 'blocks.0');
    const a = block.node('Relu', ['x']);
    block.node('Relu', [a]);
    block.child('norm').node('Relu', [a]);
    // Asking for the same scope again continues its numbering.
    builder.root.child('stages', 'stages.1', 'blocks', 'blocks.0').node('Relu', [a]);
    const model = onnx.ModelProto.decode(builder.serialize());
    expect(model.graph?.node?.map((n) => [n.name, n.output])).toEqual([
      ['/stages/stages.1/blocks/blocks.0/Relu', ['/stages/stages.1/blocks/blocks.0/Relu_output_0']],
      ['/stages/stages.1/blocks/blocks.0/Relu_1', ['/stages/stages.1/blocks/blocks.0/Relu_1_output_0']],
      ['/stages/stages.1/blocks/blocks.0/norm/Relu', ['/stages/stages.1/blocks/blocks.0/norm/Relu_output_0']],
      ['/stages/stages.1/blocks/blocks.0/Relu_2', ['/stages/stages.1/blocks/blocks.0/Relu_2_output_0']],
    ]);
  });

  it('keeps constants in Constant nodes and learned tensors in initializers', () => {
    const builder = new GraphBuilder();
    builder.root.child('m').constant(tensor.int64([1, -1]));
    builder.initializer('m.weight', tensor.float32([2, 3], new Float32Array(6).fill(0.5)));
    const model = onnx.ModelProto.decode(builder.serialize({ opsetVersion: 13, metadata: { k: 'v' } }));
    expect(model.graph?.initializer?.map((t) => [t.name, t.dims?.map(Number)])).toEqual([['m.weight', [2, 3]]]);
    const constant = model.graph?.node?.[0];
    expect(constant?.opType).toBe('Constant');
    expect(constant?.attribute?.[0]?.t?.dataType).toBe(onnx.TensorProto.DataType.INT64);
    expect(Array.from(new BigInt64Array(new Uint8Array(constant?.attribute?.[0]?.t?.rawData ?? []).buffer))).toEqual([
      1n,
      -1n,
    ]);
    expect(Number(model.opsetImport?.[0]?.version)).toBe(13);
    expect(model.metadataProps?.[0]).toMatchObject({ key: 'k', value: 'v' });
    expect(builder.initializerElementCount).toBe(6);
  });

  it('rejects a duplicate initializer and a value count that does not fit the dims', () => {
    const builder = new GraphBuilder();
    builder.initializer('w', tensor.float32([2], [1, 2]));
    expect(() => builder.initializer('w', tensor.float32([2], [1, 2]))).toThrow('duplicate initializer "w"');
    expect(() => builder.initializer('v', tensor.float32([2, 2], [1, 2, 3]))).toThrow('needs 4 values, got 3');
  });

  it('builds LayerNorm (eps 1e-6), erf GELU and Linear that ONNX Runtime computes like a float64 reference', async () => {
    const channels = 8;
    const outFeatures = 3;
    const weights = new Map<string, Float32Array>([
      ['n.weight', Float32Array.from({ length: channels }, (_, i) => 0.8 + 0.05 * i)],
      ['n.bias', Float32Array.from({ length: channels }, (_, i) => 0.1 * i - 0.3)],
      ['fc.weight', Float32Array.from({ length: outFeatures * channels }, (_, i) => Math.sin(i) * 0.4)],
      ['fc.bias', Float32Array.from([0.05, -0.1, 0.2])],
    ]);
    const builder = new GraphBuilder();
    const ctx = new ModuleContext(builder, weights);
    const x = builder.addInput('x', 'float32', ['batch', 5, channels]);
    const normalized = layerNorm(ctx, builder.root.child('n'), x, 'n', channels);
    const activated = gelu(builder.root.child('act'), normalized);
    const y = linear(ctx, builder.root.child('fc'), activated, 'fc', channels, outFeatures);
    builder.addOutput(y, 'float32', ['batch', 5, outFeatures]);
    ctx.assertAllUsed();

    const input = Float32Array.from({ length: 2 * 5 * channels }, (_, i) => Math.cos(i * 1.7) * 2);
    const session = await ort.InferenceSession.create(builder.serialize());
    const result = await session.run({ x: new ort.Tensor('float32', input, [2, 5, channels]) });
    await session.release();
    const actual = result[y]?.data as Float32Array;

    for (let row = 0; row < 10; row += 1) {
      const v = Array.from(input.subarray(row * channels, (row + 1) * channels));
      const mean = v.reduce((s, a) => s + a, 0) / channels;
      const variance = v.reduce((s, a) => s + (a - mean) ** 2, 0) / channels;
      const g = v.map((a, i) => {
        const n = ((a - mean) / Math.sqrt(variance + 1e-6)) * weights.get('n.weight')![i]! + weights.get('n.bias')![i]!;
        return 0.5 * n * (1 + erf(n / Math.SQRT2));
      });
      for (let o = 0; o < outFeatures; o += 1) {
        let expected = weights.get('fc.bias')![o]!;
        for (let i = 0; i < channels; i += 1) expected += weights.get('fc.weight')![o * channels + i]! * g[i]!;
        expect(Math.abs(actual[row * outFeatures + o]! - expected)).toBeLessThan(1e-5);
      }
    }
  });

  it('reports a graph that leaves learned tensors unused', () => {
    const ctx = new ModuleContext(new GraphBuilder(), new Map([['unused.weight', new Float32Array(1)]]));
    expect(() => ctx.assertAllUsed()).toThrow('parameters not used by the graph: unused.weight');
  });
});
