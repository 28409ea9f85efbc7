import { EdgenextError, ErrorCodes } from '../core/errors';
import type { RawImage } from '../core/image';
import type { ModelInput, PreprocessSpec } from '../core/preprocessing';
import { validateRawImage } from './rawLayout';
import { resampleIntoStaging } from './resampleRgb';
import { samplingPlan } from './samplingPlan';
import { wasmCanResample, wasmPreprocess } from './wasmResampler';
import { rgbToNv12 } from './yuvFormulas';

export interface PreprocessOptions {
  /**
   * 'auto' (default): WebAssembly SIMD kernels for bilinear stretch/letterbox and for center_crop, from every
   * encoding; TypeScript for OpenCV nearest/bicubic, or where the runtime lacks WebAssembly SIMD. 'typescript': always the portable TypeScript path (results are identical; tests compare the two).
   */
  readonly engine?: 'auto' | 'typescript';
}

const lutCache = new Map<string, Float32Array>();

/** 3 x 256 table of (v / 255 - mean[c]) / std[c], so normalisation costs one lookup per value. */
function normalisationTable(spec: PreprocessSpec): Float32Array {
  const key = `${spec.mean.join(',')}/${spec.std.join(',')}`;
  let lut = lutCache.get(key);
  if (lut === undefined) {
    lut = new Float32Array(768);
    for (let c = 0; c < 3; c++) {
      const mean = spec.mean[c] as number;
      const std = spec.std[c] as number;
      for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - mean) / std;
    }
    if (lutCache.size > 16) lutCache.clear();
    lutCache.set(key, lut);
  }
  return lut;
}

function checkSpec(spec: PreprocessSpec): void {
  const { width, height } = spec;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `preprocess target must be positive integers, got ${width}x${height}`,
    );
  }
  if (spec.format === 'nv12' && (width % 2 !== 0 || height % 2 !== 0)) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `nv12 model input needs even width and height, got ${width}x${height}`,
    );
  }
  const pad = spec.resize.padValue;
  if (!Number.isInteger(pad) || pad < 0 || pad > 255) {
    throw new EdgenextError(ErrorCodes.invalidArgument, `padValue must be an integer 0..255, got ${pad}`);
  }
  for (let c = 0; c < 3; c++) {
    if (!((spec.std[c] as number) > 0)) {
      throw new EdgenextError(ErrorCodes.invalidArgument, `std must be positive, got [${spec.std.join(', ')}]`);
    }
  }
}

/** Output buffer a caller may pass to preprocessRaw to avoid one allocation per frame. */
export type ModelInputBuffer = Float32Array | Uint8Array;

function outputBuffer<T extends ModelInputBuffer>(
  out: ModelInputBuffer | undefined,
  make: (n: number) => T,
  isRight: (b: ModelInputBuffer) => b is T,
  length: number,
  what: string,
): T {
  if (out === undefined) return make(length);
  if (!isRight(out) || out.length !== length) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `output buffer must be a ${what} of ${length} elements, got ${out.constructor.name} of ${out.length}`,
    );
  }
  return out;
}

/**
 * Turns one raw frame (any RAW_ENCODINGS, any size, `step` padding honoured) into the model input of `spec` in a
 * single sampling pass that reads only the source pixels the resize samples: no full-size RGB copy is made.
 * Geometry per spec.resize (see computeResizeGeometry); stretch/letterbox sample as OpenCV's cv2.resize, center_crop
 * as Pillow's antialiased resize used by timm. 'nv12' output is the model zoo's BGR -> I420 -> NV12 (BT.601
 * limited range); 'float32_nchw_rgb' output is (v / 255 - mean) / std, planar R, G, B.
 * `out`, if given, is filled and returned as `data` (Float32Array of 3*W*H, or Uint8Array of W*H*3/2).
 * `options.engine` picks the implementation (see PreprocessOptions); both give identical bytes.
 * Throws EdgenextError: 'unsupported_encoding', 'malformed_frame' (bad size, step or length), 'invalid_argument'
 * (bad spec or output buffer).
 */
export function preprocessRaw(
  image: RawImage,
  spec: PreprocessSpec,
  out?: ModelInputBuffer,
  options: PreprocessOptions = {},
): ModelInput {
  const layout = validateRawImage(image);
  checkSpec(spec);
  const { width, height } = spec;
  const plan = samplingPlan(layout.width, layout.height, spec);
  const simd = options.engine !== 'typescript' && wasmCanResample(plan);
  if (spec.format === 'nv12') {
    const data = outputBuffer(
      out,
      (n) => new Uint8Array(n),
      (b): b is Uint8Array => b instanceof Uint8Array,
      (width * height * 3) / 2,
      'Uint8Array',
    );
    if (!(simd && wasmPreprocess(plan, layout, image.data, width, height, { kind: 'nv12', out: data }))) {
      resampleIntoStaging(plan, layout, image.data, width);
      rgbToNv12(plan.staging, width, height, data);
    }
    return { format: 'nv12', width, height, data };
  }
  const plane = width * height;
  const data = outputBuffer(
    out,
    (n) => new Float32Array(n),
    (b): b is Float32Array => b instanceof Float32Array,
    plane * 3,
    'Float32Array',
  );
  const lut = normalisationTable(spec);
  if (simd && wasmPreprocess(plan, layout, image.data, width, height, { kind: 'float', out: data, lut })) {
    return { format: 'float32_nchw_rgb', width, height, data };
  }
  resampleIntoStaging(plan, layout, image.data, width);
  const staging = plan.staging;
  for (let i = 0, s = 0; i < plane; i++, s += 3) {
    data[i] = lut[staging[s] as number] as number;
    data[plane + i] = lut[256 + (staging[s + 1] as number)] as number;
    data[2 * plane + i] = lut[512 + (staging[s + 2] as number)] as number;
  }
  return { format: 'float32_nchw_rgb', width, height, data };
}
