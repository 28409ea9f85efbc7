import { attr, type Scope } from '../GraphBuilder';
import type { ModuleContext } from './ModuleContext';
import { layerNorm2d } from './primitives';

/** NormMlpClassifierHead: global average pool → LayerNorm2d → flatten → Gemm to the logits. */
export function head(
  ctx: ModuleContext,
  root: Scope,
  x: string,
  channels: number,
  classes: number,
  outputName: string,
): string {
  const scope = root.child('head');
  const pooled = scope.child('global_pool', 'pool').node('GlobalAveragePool', [x]);
  const normalized = layerNorm2d(ctx, scope.child('norm'), pooled, 'head.norm', channels);
  const flat = scope.child('flatten').node('Flatten', [normalized], { axis: attr.int(1) });
  const weight = ctx.param('head.fc.weight', [classes, channels]);
  const bias = ctx.param('head.fc.bias', [classes]);
  const [logits] = scope
    .child('fc')
    .nodeOutputs(
      'Gemm',
      [flat, weight, bias],
      { alpha: attr.float(1), beta: attr.float(1), transB: attr.int(1) },
      { outputNames: [outputName] },
    );
  return logits as string;
}
