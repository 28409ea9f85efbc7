import { onnx } from 'onnx-proto';

/**
 * A tiny but real ONNX classifier for backend tests: logits = W · mean_rgb(image) + b, with input
 * `data` [N,3,H,W] (dynamic batch) and output `output` [N,classes]. Its logits are easy to compute
 * independently, so tests can check the whole path exactly.
 */
export function buildTinyClassifier(options: {
  width: number;
  height: number;
  weights: number[][]; // [classes][3]
  bias: number[];
  fixedBatch?: number;
}): Uint8Array {
  const classes = options.weights.length;
  const batchDim: onnx.TensorShapeProto.IDimension =
    options.fixedBatch !== undefined ? { dimValue: options.fixedBatch } : { dimParam: 'batch' };
  const floatInfo = (name: string, dims: onnx.TensorShapeProto.IDimension[]): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims } } },
  });
  const model: onnx.IModelProto = {
    irVersion: 6,
    producerName: 'edgenext-tests',
    opsetImport: [{ domain: '', version: 11 }],
    graph: {
      name: 'tiny',
      input: [
        floatInfo('data', [batchDim, { dimValue: 3 }, { dimValue: options.height }, { dimValue: options.width }]),
      ],
      output: [floatInfo('output', [batchDim, { dimValue: classes }])],
      initializer: [
        { name: 'W', dims: [classes, 3], dataType: onnx.TensorProto.DataType.FLOAT, floatData: options.weights.flat() },
        { name: 'B', dims: [classes], dataType: onnx.TensorProto.DataType.FLOAT, floatData: options.bias },
      ],
      node: [
        { name: 'pool', opType: 'GlobalAveragePool', input: ['data'], output: ['pooled'] },
        {
          name: 'flat',
          opType: 'Flatten',
          input: ['pooled'],
          output: ['flat'],
          attribute: [{ name: 'axis', i: 1, type: onnx.AttributeProto.AttributeType.INT }],
        },
        {
          name: 'fc',
          opType: 'Gemm',
          input: ['flat', 'W', 'B'],
          output: ['output'],
          attribute: [{ name: 'transB', i: 1, type: onnx.AttributeProto.AttributeType.INT }],
        },
      ],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
