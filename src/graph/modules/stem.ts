import type { Scope } from '../GraphBuilder';
import type { ModuleContext } from './ModuleContext';
import { conv, layerNorm2d } from './primitives';

/** `stem.0` 4×4/s4 patch conv 3→C0, then `stem.1` LayerNorm2d. */
export function stem(ctx: ModuleContext, root: Scope, x: string, c0: number): string {
  const patches = conv(ctx, root.child('stem', 'stem.0'), x, 'stem.0', {
    inChannels: 3,
    outChannels: c0,
    kernel: 4,
    stride: 4,
  });
  return layerNorm2d(ctx, root.child('stem', 'stem.1'), patches, 'stem.1', c0);
}
