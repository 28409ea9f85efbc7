import { EdgenextError, ErrorCodes } from '../core/errors';
import type { PreprocessSpec, ResizePolicy } from '../core/preprocessing';

/** Where the source lands in the model input, in whole pixels. */
export interface ResizeGeometry {
  readonly policy: ResizePolicy;
  /** Size the whole source is resized to, before letterbox padding or the centre crop. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** center_crop: top-left corner of the crop inside the resized image; 0 for the other policies. */
  readonly cropLeft: number;
  readonly cropTop: number;
  /** letterbox: padding rows/columns on each side of the output; 0 for the other policies. */
  readonly padLeft: number;
  readonly padTop: number;
  readonly padRight: number;
  readonly padBottom: number;
}

export type GeometrySpec = Pick<PreprocessSpec, 'width' | 'height' | 'resize'>;

function checkSize(what: string, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new EdgenextError(ErrorCodes.invalidArgument, `${what} must be positive integers, got ${width}x${height}`);
  }
}

/** Python's round(): half to even (torchvision's CenterCrop uses it for the crop origin). */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The exact integer geometry of a resize policy, with the same floating-point operations as the reference code:
 * - `stretch`: the source is resized to width x height.
 * - `letterbox` (RDK model zoo): scale = min(H/h, W/w); resized = trunc(w*scale) x trunc(h*scale) (at least 1);
 *   the slack is split with floor(slack/2) on the top/left and the rest on the bottom/right.
 * - `center_crop` (timm eval): square targets resize the short side to floor(size / cropPct) and the long side to
 *   trunc(short * long / short_src) as torchvision's Resize(int); non-square targets scale both sides by
 *   min(w / floor(W / cropPct), h / floor(H / cropPct)) and round, as timm's ResizeKeepRatio; then the crop origin
 *   is round((resized - target) / 2) with Python's half-to-even rounding (torchvision CenterCrop).
 * Throws 'invalid_argument' for non-positive sizes or a cropPct outside (0, 1].
 */
export function computeResizeGeometry(sourceWidth: number, sourceHeight: number, spec: GeometrySpec): ResizeGeometry {
  checkSize('source width and height', sourceWidth, sourceHeight);
  checkSize('target width and height', spec.width, spec.height);
  const W = spec.width;
  const H = spec.height;
  const none = { cropLeft: 0, cropTop: 0, padLeft: 0, padTop: 0, padRight: 0, padBottom: 0 };
  switch (spec.resize.policy) {
    case 'stretch':
      return { policy: 'stretch', resizedWidth: W, resizedHeight: H, ...none };
    case 'letterbox': {
      const scale = Math.min(H / sourceHeight, W / sourceWidth);
      const resizedWidth = Math.min(W, Math.max(1, Math.trunc(sourceWidth * scale)));
      const resizedHeight = Math.min(H, Math.max(1, Math.trunc(sourceHeight * scale)));
      const padLeft = Math.floor((W - resizedWidth) / 2);
      const padTop = Math.floor((H - resizedHeight) / 2);
      return {
        policy: 'letterbox',
        resizedWidth,
        resizedHeight,
        cropLeft: 0,
        cropTop: 0,
        padLeft,
        padTop,
        padRight: W - resizedWidth - padLeft,
        padBottom: H - resizedHeight - padTop,
      };
    }
    case 'center_crop': {
      const cropPct = spec.resize.cropPct;
      if (!(cropPct > 0 && cropPct <= 1)) {
        throw new EdgenextError(ErrorCodes.invalidArgument, `center_crop cropPct must be in (0, 1], got ${cropPct}`);
      }
      let resizedWidth: number;
      let resizedHeight: number;
      if (W === H) {
        const short = Math.floor(W / cropPct);
        if (sourceWidth <= sourceHeight) {
          resizedWidth = short;
          resizedHeight = Math.trunc((short * sourceHeight) / sourceWidth);
        } else {
          resizedHeight = short;
          resizedWidth = Math.trunc((short * sourceWidth) / sourceHeight);
        }
      } else {
        const scaleW = Math.floor(W / cropPct);
        const scaleH = Math.floor(H / cropPct);
        const ratio = Math.min(sourceWidth / scaleW, sourceHeight / scaleH);
        resizedWidth = roundHalfEven(sourceWidth / ratio);
        resizedHeight = roundHalfEven(sourceHeight / ratio);
      }
      // Rounding can leave a side a pixel short of the crop only for pathological inputs; never crop outside.
      resizedWidth = Math.max(resizedWidth, W);
      resizedHeight = Math.max(resizedHeight, H);
      return {
        policy: 'center_crop',
        resizedWidth,
        resizedHeight,
        cropLeft: roundHalfEven((resizedWidth - W) / 2),
        cropTop: roundHalfEven((resizedHeight - H) / 2),
        padLeft: 0,
        padTop: 0,
        padRight: 0,
        padBottom: 0,
      };
    }
  }
}
