import { onnx } from 'onnx-proto';

import { buildEdgeNeXtModel, edgeNeXtParameterSpecs, softmaxNodeNames } from '../../src/graph';

/**
 * Node names follow torch.onnx.export (docs/edgenext-architecture.md §4), so the model zoo's hb_mapper
 * `node_info` entries address our graph unchanged.
 */

const model = onnx.ModelProto.decode(buildEdgeNeXtModel('xx_small'));
const nodes = model.graph?.node ?? [];
const opByName = new Map(nodes.map((n) => [n.name ?? '', n.opType ?? '']));

/** Names of the nodes directly in `scope` (not in sub-modules), in graph order, without Constant nodes. */
function directNodes(scope: string, exclude: readonly string[] = []): string[] {
  return nodes
    .map((n) => n.name ?? '')
    .filter((name) => name.startsWith(`${scope}/`) && opByName.get(name) !== 'Constant')
    .filter((name) => !exclude.some((prefix) => name.startsWith(`${scope}/${prefix}`)))
    .map((name) => name.slice(scope.length + 1));
}

describe('torch.onnx.export node names (xx_small)', () => {
  it('has every node the xx_small model-zoo yaml pins to int16 (those that exist in the export)', () => {
    const zooNodes: Record<string, string> = {
      '/stages/stages.3/blocks/blocks.1/mlp/fc1/MatMul': 'MatMul',
      '/stages/stages.3/blocks/blocks.1/mlp/fc2/MatMul': 'MatMul',
      '/stages/stages.3/blocks/blocks.1/norm/Pow': 'Pow',
      '/stages/stages.0/blocks/blocks.0/conv_dw/Conv': 'Conv',
      '/stem/stem.1/Mul': 'Mul',
      '/stem/stem.1/Sub': 'Sub',
      '/stem/stem.1/Pow': 'Pow',
      '/stages/stages.3/downsample/downsample.0/ReduceMean': 'ReduceMean',
      '/stages/stages.3/downsample/downsample.0/Sub': 'Sub',
      '/stages/stages.3/downsample/downsample.0/ReduceMean_1': 'ReduceMean',
      '/stages/stages.3/blocks/blocks.1/norm_xca/ReduceMean_1': 'ReduceMean',
      '/stages/stages.2/blocks/blocks.5/norm_xca/ReduceMean_1': 'ReduceMean',
      '/stages/stages.3/blocks/blocks.1/norm/Div': 'Div',
    };
    for (const [name, op] of Object.entries(zooNodes)) expect([name, opByName.get(name)]).toEqual([name, op]);
    for (const name of softmaxNodeNames('xx_small')) expect(opByName.get(name)).toBe('Softmax');
  });

  it('names the stem and a ConvBlock as §4.2 lists them', () => {
    expect(directNodes('/stem/stem.1')).toEqual([
      'Transpose',
      'ReduceMean',
      'Sub',
      'Pow',
      'ReduceMean_1',
      'Add',
      'Sqrt',
      'Div',
      'Mul',
      'Add_1',
      'Transpose_1',
    ]);
    expect(directNodes('/stages/stages.2/blocks/blocks.3', ['norm/', 'mlp/'])).toEqual([
      'conv_dw/Conv',
      'Transpose',
      'Mul',
      'Transpose_1',
      'Add',
    ]);
    expect(directNodes('/stages/stages.2/blocks/blocks.3/mlp')).toEqual([
      'fc1/MatMul',
      'fc1/Add',
      'act/Div',
      'act/Erf',
      'act/Add',
      'act/Mul',
      'act/Mul_1',
      'fc2/MatMul',
      'fc2/Add',
    ]);
  });

  it('numbers the stage-1 SDTA block (with positional encoding) as the export does', () => {
    // Shape arithmetic of torch.chunk (Add, Div, Mul, Mul_1) is emitted too and folds away in onnxsim/ORT.
    expect(
      directNodes('/stages/stages.1/blocks/blocks.1', ['norm/', 'norm_xca/', 'mlp/', 'xca/', 'pos_embd/']),
    ).toEqual([
      'Add',
      'Div',
      'Mul',
      'Mul_1',
      'Slice',
      'Slice_1',
      'convs.0/Conv',
      'Concat',
      'Reshape',
      'Transpose',
      'Reshape_1',
      'Transpose_1',
      'Add_1',
      'Mul_2',
      'Add_2',
      'Reshape_2',
      'Mul_3',
      'Transpose_2',
      'Add_3',
    ]);
    expect(
      directNodes('/stages/stages.1/blocks/blocks.1/xca', ['qkv/', 'proj/']).filter((n) => !n.startsWith('Shape')),
    ).toEqual([
      'Reshape',
      'Transpose',
      'Split',
      'Squeeze',
      'Squeeze_1',
      'Squeeze_2',
      'ReduceL2',
      'Clip',
      'Expand',
      'Div',
      'ReduceL2_1',
      'Clip_1',
      'Expand_1',
      'Div_1',
      'Transpose_1',
      'MatMul',
      'Mul',
      'Softmax',
      'MatMul_1',
      'Transpose_2',
      'Reshape_1',
    ]);
    expect(opByName.get('/stages/stages.1/blocks/blocks.1/pos_embd/token_projection/Conv')).toBe('Conv');
  });

  it('numbers the stage-3 SDTA block (4 chunks, cascade of 3 convs) as the export does', () => {
    expect(directNodes('/stages/stages.3/blocks/blocks.1', ['norm/', 'norm_xca/', 'mlp/', 'xca/'])).toEqual([
      'Add',
      'Div',
      'Mul',
      'Mul_1',
      'Mul_2',
      'Mul_3',
      'Slice',
      'Slice_1',
      'Slice_2',
      'Slice_3',
      'convs.0/Conv',
      'Add_1',
      'convs.1/Conv',
      'Add_2',
      'convs.2/Conv',
      'Concat',
      'Reshape',
      'Transpose',
      'Mul_4',
      'Add_3',
      'Reshape_1',
      'Mul_5',
      'Transpose_1',
      'Add_4',
    ]);
  });

  it('names the head nodes and the graph interface as the zoo export', () => {
    expect(opByName.get('/head/global_pool/pool/GlobalAveragePool')).toBe('GlobalAveragePool');
    expect(opByName.get('/head/flatten/Flatten')).toBe('Flatten');
    const gemm = nodes.find((n) => n.name === '/head/fc/Gemm');
    expect(gemm?.output).toEqual(['output']);
    expect(gemm?.input).toEqual(['/head/flatten/Flatten_output_0', 'head.fc.weight', 'head.fc.bias']);
    expect(model.graph?.input?.map((i) => i.name)).toEqual(['data']);
  });

  it('keeps PyTorch names for learned tensors except the transposed Linear weights', () => {
    const initializerNames = (model.graph?.initializer ?? []).map((t) => t.name ?? '');
    const specs = edgeNeXtParameterSpecs('xx_small');
    const linearWeights = specs.filter((s) => /\.(fc1|fc2|qkv|proj)\.weight$/.test(s.name));
    const named = initializerNames.filter((n) => !n.startsWith('onnx::MatMul_'));
    expect(new Set(named)).toEqual(new Set(specs.filter((s) => !linearWeights.includes(s)).map((s) => s.name)));
    expect(initializerNames.length - named.length).toBe(linearWeights.length);
    // Every non-learned constant is a Constant node, so no initializer is a small shape/scalar constant.
    expect(initializerNames.some((n) => n.startsWith('/'))).toBe(false);
  });
});
