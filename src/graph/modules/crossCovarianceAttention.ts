import { attr, type Scope, tensor } from '../GraphBuilder';
import type { ModuleContext } from './ModuleContext';
import { linear } from './primitives';

/** F.normalize over the last axis: x / expand(max(‖x‖₂, 1e-12)). */
function l2Normalize(scope: Scope, x: string): string {
  const norm = scope.node('ReduceL2', [x], { axes: attr.ints([-1]), keepdims: attr.int(1) });
  const clipped = scope.node('Clip', [norm, scope.constant(tensor.scalar(1e-12))]);
  // Shape(x) rather than a constant keeps the graph valid for any batch size.
  const expanded = scope.node('Expand', [clipped, scope.node('Shape', [x])]);
  return scope.node('Div', [x, expanded]);
}

/**
 * Cross-covariance attention on tokens [B, N, C]: attention over channels (d×d per head), queries and
 * keys L2-normalised along the tokens, scaled by the learned per-head temperature.
 */
export function crossCovarianceAttention(
  ctx: ModuleContext,
  scope: Scope,
  x: string,
  prefix: string,
  channels: number,
  heads: number,
  tokens: number,
): string {
  const headDim = channels / heads;
  const qkv = linear(ctx, scope.child('qkv'), x, `${prefix}.qkv`, channels, 3 * channels);
  const split5d = scope.node('Reshape', [qkv, scope.constant(tensor.int64([0, tokens, 3, heads, headDim]))]);
  const permuted = scope.node('Transpose', [split5d], { perm: attr.ints([2, 0, 3, 4, 1]) });
  const parts = scope.nodeOutputs(
    'Split',
    [permuted],
    { axis: attr.int(0), split: attr.ints([1, 1, 1]) },
    { outputCount: 3 },
  );
  const [q, k, v] = parts.map((part) => scope.node('Squeeze', [part], { axes: attr.ints([0]) })) as [
    string,
    string,
    string,
  ];
  const qHat = l2Normalize(scope, q);
  const kHat = l2Normalize(scope, k);
  const kHatT = scope.node('Transpose', [kHat], { perm: attr.ints([0, 1, 3, 2]) });
  const similarity = scope.node('MatMul', [qHat, kHatT]);
  const scaled = scope.node('Mul', [similarity, ctx.param(`${prefix}.temperature`, [heads, 1, 1])]);
  const attention = scope.node('Softmax', [scaled], { axis: attr.int(3) });
  const mixed = scope.node('MatMul', [attention, v]);
  const tokensFirst = scope.node('Transpose', [mixed], { perm: attr.ints([0, 3, 1, 2]) });
  const merged = scope.node('Reshape', [tokensFirst, scope.constant(tensor.int64([0, tokens, channels]))]);
  return linear(ctx, scope.child('proj'), merged, `${prefix}.proj`, channels, channels);
}
