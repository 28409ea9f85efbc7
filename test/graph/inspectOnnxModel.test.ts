import { onnx } from 'onnx-proto';

import { ErrorCodes } from '../../src/core/errors';
import { buildEdgeNeXtModel, inspectOnnxModel } from '../../src/graph';

/** A foreign-style model: IR 3, initializers also listed as graph inputs (old exporters), fixed batch. */
function foreignModel(): Uint8Array {
  const floatInfo = (name: string, dims: number[]): onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } },
    },
  });
  const model: onnx.IModelProto = {
    irVersion: 3,
    producerName: 'pytorch',
    producerVersion: '1.3',
    opsetImport: [
      { domain: '', version: 9 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: {
      name: 'torch-jit-export',
      input: [floatInfo('input.1', [1, 4]), floatInfo('fc.weight', [2, 4]), floatInfo('fc.bias', [2])],
      output: [floatInfo('prob', [1, 2])],
      initializer: [
        {
          name: 'fc.weight',
          dims: [2, 4],
          dataType: onnx.TensorProto.DataType.FLOAT,
          floatData: [1, 2, 3, 4, 5, 6, 7, 8],
        },
        { name: 'fc.bias', dims: [2], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [0, 1] },
      ],
      node: [
        { name: 'Gemm_0', opType: 'Gemm', input: ['input.1', 'fc.weight', 'fc.bias'], output: ['3'] },
        { name: 'Softmax_1', opType: 'Softmax', input: ['3'], output: ['prob'] },
      ],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

describe('inspectOnnxModel', () => {
  it('summarises a model from another exporter, leaving initializers out of the inputs', () => {
    const summary = inspectOnnxModel(foreignModel());
    expect(summary).toMatchObject({
      irVersion: 3,
      opsetVersion: 9,
      producerName: 'pytorch',
      graphName: 'torch-jit-export',
      initializerCount: 2,
      initializerElementCount: 10,
      nodeCount: 2,
      constantNodeCount: 0,
      softmaxNodeNames: ['Softmax_1'],
      opCounts: { Gemm: 1, Softmax: 1 },
    });
    expect(summary.opsets).toEqual([
      { domain: '', version: 9 },
      { domain: 'com.microsoft', version: 1 },
    ]);
    expect(summary.inputs).toEqual([{ name: 'input.1', elementType: 'float32', shape: [1, 4] }]);
    expect(summary.outputs).toEqual([{ name: 'prob', elementType: 'float32', shape: [1, 2] }]);
  });

  it('reads the builder metadata of a synthetic model', () => {
    const summary = inspectOnnxModel(buildEdgeNeXtModel('xx_small', { seed: 7 }));
    expect(summary.metadata).toMatchObject({
      'edgenext.variant': 'xx_small',
      'edgenext.synthetic_weights': 'true',
      'edgenext.weight_seed': '7',
    });
    expect(summary.irVersion).toBe(6);
    expect(summary.initializerElementCount).toBe(1_327_216);
    expect(summary.constantNodeCount).toBeGreaterThan(100);
  });

  it.each([
    ['empty bytes', new Uint8Array(0)],
    ['text', new TextEncoder().encode('this is not an onnx model, just some text\n')],
    ['a truncated model', buildEdgeNeXtModel('xx_small').subarray(0, 100_000)],
  ])('rejects %s with corrupt_file', (_label, bytes) => {
    expect(() => inspectOnnxModel(bytes)).toThrow(expect.objectContaining({ code: ErrorCodes.corruptFile }));
    expect(() => inspectOnnxModel(bytes)).toThrow(/^not an ONNX model/);
  });
});
