import { attr, type Scope, tensor } from '../GraphBuilder';
import { POS_ENCODING_HIDDEN_DIM, POS_ENCODING_TEMPERATURE } from '../edgenextVariants';
import type { ModuleContext } from './ModuleContext';
import { conv } from './primitives';

/**
 * The Fourier positional-encoding map of timm `PositionalEncodingFourier` for an H×W grid, followed by
 * the learned 1×1 `token_projection` conv → [1, C, H, W]. The normalised row/column coordinates and the
 * frequencies are Constant nodes; sin/cos and the interleave run in the graph like the raw export.
 */
export function positionalEncodingFourier(
  ctx: ModuleContext,
  scope: Scope,
  prefix: string,
  height: number,
  width: number,
  channels: number,
): string {
  const hidden = POS_ENCODING_HIDDEN_DIM;
  const f = Math.fround;
  const twoPi = f(2 * Math.PI);
  // y_embed / (y_embed[:, -1:] + eps) * 2π evaluated step by step in float32, as torch does.
  const yDenominator = f(height + 1e-6);
  const xDenominator = f(width + 1e-6);
  const yEmbed = new Float32Array(height * width);
  const xEmbed = new Float32Array(height * width);
  for (let i = 0; i < height; i += 1) {
    for (let j = 0; j < width; j += 1) {
      yEmbed[i * width + j] = f(f((i + 1) / yDenominator) * twoPi);
      xEmbed[i * width + j] = f(f((j + 1) / xDenominator) * twoPi);
    }
  }
  const dimT = Float32Array.from({ length: hidden }, (_, k) =>
    Math.pow(POS_ENCODING_TEMPERATURE, (2 * Math.floor(k / 2)) / hidden),
  );
  const frequencies = scope.constant(tensor.float32([hidden], dimT));

  // For one coordinate map: [1,H,W] → [1,H,W,32] with sin on even and cos on odd frequencies, interleaved.
  const features = (embed: Float32Array): string => {
    const map = scope.constant(tensor.float32([1, height, width], embed));
    const expanded = scope.node('Unsqueeze', [map], { axes: attr.ints([3]) });
    const phases = scope.node('Div', [expanded, frequencies]);
    const half = (start: number): string =>
      scope.node('Slice', [
        phases,
        scope.constant(tensor.int64([start])),
        scope.constant(tensor.int64([hidden])),
        scope.constant(tensor.int64([3])),
        scope.constant(tensor.int64([2])),
      ]);
    const sin = scope.node('Unsqueeze', [scope.node('Sin', [half(0)])], { axes: attr.ints([4]) });
    const cos = scope.node('Unsqueeze', [scope.node('Cos', [half(1)])], { axes: attr.ints([4]) });
    const stacked = scope.node('Concat', [sin, cos], { axis: attr.int(4) });
    return scope.node('Reshape', [stacked, scope.constant(tensor.int64([1, height, width, hidden]))]);
  };
  const posX = features(xEmbed);
  const posY = features(yEmbed);
  const joined = scope.node('Concat', [posY, posX], { axis: attr.int(3) });
  const fourierMap = scope.node('Transpose', [joined], { perm: attr.ints([0, 3, 1, 2]) });
  return conv(ctx, scope.child('token_projection'), fourierMap, `${prefix}.token_projection`, {
    inChannels: 2 * hidden,
    outChannels: channels,
    kernel: 1,
  });
}
