import { EdgenextError, ErrorCodes } from '../core/errors';
import type { RawImage } from '../core/image';
import type { PreprocessSpec } from '../core/preprocessing';
import { validateRawImage } from './rawLayout';
import { resampleIntoStaging } from './resampleRgb';
import { samplingPlan } from './samplingPlan';

/** How the model zoo prepares hb_mapper calibration images (edgenext-architecture.md §5.2). */
export interface CalibrationRecipe {
  /** Side of the square centre crop, in pixels (the model input; 224 for the zoo's EdgeNeXt). */
  readonly cropSize: number;
  /** The short side is resized to this first, keeping the aspect ratio (256 in the zoo). */
  readonly shortSide: number;
}

export const ZOO_CALIBRATION: CalibrationRecipe = { cropSize: 224, shortSide: 256 };

/** Size after the short-side resize: the long side is truncated, as Python's int(short * long / short_len). */
export function shortSideSize(width: number, height: number, shortSide: number): { width: number; height: number } {
  return height < width
    ? { width: Math.trunc(shortSide * (width / height)), height: shortSide }
    : { width: shortSide, height: Math.trunc(shortSide * (height / width)) };
}

/**
 * One calibration tensor of the zoo's recipe: short side to `shortSide` with OpenCV's bilinear cv2.resize, centre
 * crop of `cropSize` (offsets floored), RGB planes (CHW) as float32 on the 0..255 scale; hb_mapper applies the
 * model's (x - mean) * scale itself. Throws EdgenextError 'malformed_frame' / 'unsupported_encoding' for bad images
 * and 'invalid_argument' when the resized image is smaller than the crop.
 */
export function calibrationTensor(image: RawImage, recipe: CalibrationRecipe = ZOO_CALIBRATION): Float32Array {
  const layout = validateRawImage(image);
  const resized = shortSideSize(layout.width, layout.height, recipe.shortSide);
  const { cropSize } = recipe;
  if (resized.width < cropSize || resized.height < cropSize) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `short side ${recipe.shortSide} is smaller than the crop ${cropSize} (image ${layout.width}x${layout.height})`,
    );
  }
  const spec: PreprocessSpec = {
    width: resized.width,
    height: resized.height,
    format: 'float32_nchw_rgb',
    resize: { policy: 'stretch', interpolation: 'bilinear', cropPct: 1, padValue: 0 },
    mean: [0, 0, 0],
    std: [1, 1, 1],
  };
  const plan = samplingPlan(layout.width, layout.height, spec);
  resampleIntoStaging(plan, layout, image.data, resized.width);
  const top = Math.floor((resized.height - cropSize) / 2);
  const left = Math.floor((resized.width - cropSize) / 2);
  const plane = cropSize * cropSize;
  const out = new Float32Array(plane * 3);
  for (let y = 0; y < cropSize; y++) {
    let source = ((top + y) * resized.width + left) * 3;
    for (let x = 0, i = y * cropSize; x < cropSize; x++, i++, source += 3) {
      out[i] = plan.staging[source] as number;
      out[plane + i] = plan.staging[source + 1] as number;
      out[2 * plane + i] = plan.staging[source + 2] as number;
    }
  }
  return out;
}
