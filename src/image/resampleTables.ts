/**
 * Per-axis sampling tables: for each output coordinate, `taps` source coordinates and integer weights.
 * Built once per (source size, spec) and reused for every frame, so per-frame work is only the sampling.
 */
export interface AxisTable {
  /** Number of output coordinates. */
  readonly count: number;
  readonly taps: number;
  /** count * taps source coordinates, always inside [0, sourceSize). */
  readonly index: Int32Array;
  /** count * taps fixed-point weights (OpenCV tables: 11 fractional bits; PIL tables: 22). */
  readonly weight: Int32Array;
}

/** OpenCV's INTER_RESIZE_COEF_BITS: resize weights are shorts scaled by 2^11. */
export const CV_COEF_BITS = 11;
const CV_ONE = 1 << CV_COEF_BITS;
/** Pillow's PRECISION_BITS for 8-bit resampling. */
export const PIL_PRECISION_BITS = 22;

/** C's cvRound on a float: round half to even. */
function roundHalfEven(value: number): number {
  const r = Math.round(value);
  return r - value === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function makeTable(count: number, taps: number): { index: Int32Array; weight: Int32Array } {
  return { index: new Int32Array(count * taps), weight: new Int32Array(count * taps) };
}

/**
 * OpenCV INTER_LINEAR (cv::resize, 8-bit): half-pixel centres fx = (float)((d + 0.5) * scale - 0.5) with
 * scale = 1 / (dstSize / srcSize), weights rounded to 11 bits, clamped to the edge pixel outside the source.
 */
export function cvLinearTable(srcSize: number, dstSize: number, first: number, count: number): AxisTable {
  const scale = 1 / (dstSize / srcSize);
  const { index, weight } = makeTable(count, 2);
  for (let i = 0; i < count; i++) {
    const d = first + i;
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (s < 0) {
      f = 0;
      s = 0;
    }
    if (s >= srcSize - 1) {
      f = 0;
      s = srcSize - 1;
    }
    index[i * 2] = s;
    index[i * 2 + 1] = Math.min(s + 1, srcSize - 1);
    weight[i * 2] = roundHalfEven(Math.fround(1 - f) * CV_ONE);
    weight[i * 2 + 1] = roundHalfEven(f * CV_ONE);
  }
  return { count, taps: 2, index, weight };
}

/** OpenCV INTER_CUBIC (A = -0.75, 4 taps, replicated border, 11-bit weights). */
export function cvCubicTable(srcSize: number, dstSize: number, first: number, count: number): AxisTable {
  const scale = 1 / (dstSize / srcSize);
  const A = -0.75;
  const { index, weight } = makeTable(count, 4);
  for (let i = 0; i < count; i++) {
    const d = first + i;
    let f = Math.fround((d + 0.5) * scale - 0.5);
    const s = Math.floor(f);
    f = Math.fround(f - s);
    const c0 = ((A * (f + 1) - 5 * A) * (f + 1) + 8 * A) * (f + 1) - 4 * A;
    const c1 = ((A + 2) * f - (A + 3)) * f * f + 1;
    const c2 = ((A + 2) * (1 - f) - (A + 3)) * (1 - f) * (1 - f) + 1;
    const coeffs = [c0, c1, c2, 1 - c0 - c1 - c2];
    for (let k = 0; k < 4; k++) {
      index[i * 4 + k] = Math.min(Math.max(s - 1 + k, 0), srcSize - 1);
      weight[i * 4 + k] = roundHalfEven(Math.fround(coeffs[k] as number) * CV_ONE);
    }
  }
  return { count, taps: 4, index, weight };
}

/** OpenCV INTER_NEAREST: s = floor(d * scale), weight 1.0 (11-bit). */
export function cvNearestTable(srcSize: number, dstSize: number, first: number, count: number): AxisTable {
  const scale = 1 / (dstSize / srcSize);
  const { index, weight } = makeTable(count, 1);
  for (let i = 0; i < count; i++) {
    index[i] = Math.min(Math.floor((first + i) * scale), srcSize - 1);
    weight[i] = CV_ONE;
  }
  return { count, taps: 1, index, weight };
}

export type PilFilter = 'bilinear' | 'bicubic';

function pilKernel(filter: PilFilter, x: number): number {
  const t = x < 0 ? -x : x;
  if (filter === 'bilinear') return t < 1 ? 1 - t : 0;
  const a = -0.5;
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/**
 * Pillow's antialiased resampling (Image.resize with BILINEAR or BICUBIC, which timm's eval transform uses through
 * torchvision on PIL images): the filter support widens with the downscale factor, weights are normalised per
 * output pixel and rounded to 22 bits exactly as Pillow's precompute_coeffs / normalize_coeffs_8bpc.
 */
export function pilFilterTable(
  filter: PilFilter,
  srcSize: number,
  dstSize: number,
  first: number,
  count: number,
): AxisTable {
  const scale = srcSize / dstSize;
  const filterScale = Math.max(scale, 1);
  const support = (filter === 'bilinear' ? 1 : 2) * filterScale;
  const ss = 1 / filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds: number[] = [];
  const coeffs: number[][] = [];
  let taps = 1;
  for (let i = 0; i < count; i++) {
    const center = (first + i + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), srcSize) - xmin;
    const k: number[] = [];
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      const w = pilKernel(filter, (x + xmin - center + 0.5) * ss);
      k.push(w);
      sum += w;
    }
    for (let x = 0; x < xmax; x++) if (sum !== 0) k[x] = (k[x] as number) / sum;
    bounds.push(xmin);
    coeffs.push(k);
    taps = Math.max(taps, Math.min(xmax, ksize));
  }
  const { index, weight } = makeTable(count, taps);
  const one = 1 << PIL_PRECISION_BITS;
  for (let i = 0; i < count; i++) {
    const xmin = bounds[i] as number;
    const k = coeffs[i] as number[];
    for (let t = 0; t < taps; t++) {
      const w = k[t] ?? 0;
      index[i * taps + t] = Math.min(xmin + t, srcSize - 1);
      weight[i * taps + t] = w < 0 ? Math.trunc(-0.5 + w * one) : Math.trunc(0.5 + w * one);
    }
  }
  return { count, taps, index, weight };
}

/**
 * Pillow's NEAREST resize (ImagingScaleAffine): the source coordinate starts at 0.5 * scale and is accumulated by
 * repeated addition of scale in doubles, then truncated; the accumulated rounding is reproduced on purpose.
 */
export function pilNearestTable(srcSize: number, dstSize: number, first: number, count: number): AxisTable {
  const scale = srcSize / dstSize;
  const { index, weight } = makeTable(count, 1);
  let coordinate = scale * 0.5;
  for (let d = 0; d < first + count; d++, coordinate += scale) {
    if (d < first) continue;
    index[d - first] = Math.min(Math.trunc(coordinate), srcSize - 1);
    weight[d - first] = 1 << PIL_PRECISION_BITS;
  }
  return { count, taps: 1, index, weight };
}
