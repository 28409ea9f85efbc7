import type { Scope } from '../GraphBuilder';
import type { ModuleContext } from './ModuleContext';
import { conv, layerNorm2d } from './primitives';

/** Stages 1–3: `downsample.0` LayerNorm2d(C_{s−1}), `downsample.1` 2×2/s2 conv C_{s−1}→C_s. */
export function downsample(
  ctx: ModuleContext,
  stageScope: Scope,
  x: string,
  stagePrefix: string,
  inChannels: number,
  outChannels: number,
): string {
  const scope = stageScope.child('downsample');
  const normalized = layerNorm2d(ctx, scope.child('downsample.0'), x, `${stagePrefix}.downsample.0`, inChannels);
  return conv(ctx, scope.child('downsample.1'), normalized, `${stagePrefix}.downsample.1`, {
    inChannels,
    outChannels,
    kernel: 2,
    stride: 2,
  });
}
