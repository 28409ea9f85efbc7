import { attr, type Scope } from '../GraphBuilder';
import type { ModuleContext } from './ModuleContext';
import { conv, layerNorm, mlp } from './primitives';

/** ConvBlock: dw k×k conv → NHWC → LN → MLP → ×gamma → NCHW → + input. */
export function convBlock(
  ctx: ModuleContext,
  scope: Scope,
  x: string,
  prefix: string,
  channels: number,
  kernel: number,
): string {
  const mixed = conv(ctx, scope.child('conv_dw'), x, `${prefix}.conv_dw`, {
    inChannels: channels,
    outChannels: channels,
    kernel,
    padding: Math.floor(kernel / 2),
    groups: channels,
  });
  const channelsLast = scope.node('Transpose', [mixed], { perm: attr.ints([0, 2, 3, 1]) });
  const normalized = layerNorm(ctx, scope.child('norm'), channelsLast, `${prefix}.norm`, channels);
  const expanded = mlp(ctx, scope, normalized, prefix, channels);
  const scaled = scope.node('Mul', [ctx.param(`${prefix}.gamma`, [channels]), expanded]);
  const channelsFirst = scope.node('Transpose', [scaled], { perm: attr.ints([0, 3, 1, 2]) });
  return scope.node('Add', [x, channelsFirst]);
}
