import type { RawLayout } from './rawLayout';
import type { SamplingPlan } from './samplingPlan';
import { gatherRowRgb } from './toRgb8';

const ROUND22 = 1 << 21;

/** Horizontal pass for one source row into `dst` (x.count * 3 values). */
function filterRow(plan: SamplingPlan, layout: RawLayout, data: Uint8Array, sourceRow: number, dst: Int32Array): void {
  const { x, gathered } = plan;
  gatherRowRgb(layout, data, sourceRow, x.index, x.count * x.taps, gathered);
  const w = x.weight;
  const n = x.count;
  if (plan.arithmetic === 'opencv' && x.taps === 2) {
    for (let i = 0, g = 0, o = 0; i < n; i++, g += 6, o += 3) {
      const a0 = w[i * 2] as number;
      const a1 = w[i * 2 + 1] as number;
      dst[o] = (gathered[g] as number) * a0 + (gathered[g + 3] as number) * a1;
      dst[o + 1] = (gathered[g + 1] as number) * a0 + (gathered[g + 4] as number) * a1;
      dst[o + 2] = (gathered[g + 2] as number) * a0 + (gathered[g + 5] as number) * a1;
    }
    return;
  }
  const taps = x.taps;
  const clip = plan.arithmetic === 'pillow';
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    for (let t = 0, k = i * taps, g = k * 3; t < taps; t++, k++, g += 3) {
      const a = w[k] as number;
      s0 += (gathered[g] as number) * a;
      s1 += (gathered[g + 1] as number) * a;
      s2 += (gathered[g + 2] as number) * a;
    }
    if (clip) {
      s0 = (s0 + ROUND22) >> 22;
      s1 = (s1 + ROUND22) >> 22;
      s2 = (s2 + ROUND22) >> 22;
      dst[o] = s0 < 0 ? 0 : s0 > 255 ? 255 : s0;
      dst[o + 1] = s1 < 0 ? 0 : s1 > 255 ? 255 : s1;
      dst[o + 2] = s2 < 0 ? 0 : s2 > 255 ? 255 : s2;
    } else {
      dst[o] = s0;
      dst[o + 1] = s1;
      dst[o + 2] = s2;
    }
  }
}

/** The horizontally filtered source row, computed at most once per frame (a small cache keyed by source row). */
function filteredRow(plan: SamplingPlan, layout: RawLayout, data: Uint8Array, sourceRow: number): Int32Array {
  const { rows, rowOf } = plan;
  for (let s = 0; s < rowOf.length; s++) if (rowOf[s] === sourceRow) return rows[s] as Int32Array;
  // Rows are requested in nondecreasing order, so the slot holding the smallest row is free to reuse.
  let victim = 0;
  for (let s = 1; s < rowOf.length; s++) if ((rowOf[s] as number) < (rowOf[victim] as number)) victim = s;
  const row = rows[victim] as Int32Array;
  filterRow(plan, layout, data, sourceRow, row);
  rowOf[victim] = sourceRow;
  return row;
}

/**
 * The hot path (OpenCV bilinear from packed 8-bit pixels): both passes fused per output pixel, reading the four
 * source pixels straight from the frame. Same integer arithmetic as the separate passes, so results are identical.
 * Writes RGB bytes at staging[base + dy * rowStride + dx * 3].
 */
function linearPackedToRgb(
  plan: SamplingPlan,
  layout: Extract<RawLayout, { family: 'packed' }>,
  data: Uint8Array,
  staging: Uint8Array,
  base: number,
  rowStride: number,
): void {
  const { x, y } = plan;
  const cols = packedColumnOffsets(plan, layout.bytesPerPixel);
  const xw = x.weight;
  const yi = y.index;
  const yw = y.weight;
  const { step, rOffset: ro, gOffset: go, bOffset: bo } = layout;
  const nx = x.count;
  for (let dy = 0; dy < y.count; dy++) {
    const r0 = (yi[dy * 2] as number) * step;
    const r1 = (yi[dy * 2 + 1] as number) * step;
    const b0 = yw[dy * 2] as number;
    const b1 = yw[dy * 2 + 1] as number;
    let o = base + dy * rowStride;
    for (let dx = 0, k = 0; dx < nx; dx++, k += 2, o += 3) {
      const c0 = cols[k] as number;
      const c1 = cols[k + 1] as number;
      const a0 = xw[k] as number;
      const a1 = xw[k + 1] as number;
      const p00 = r0 + c0;
      const p01 = r0 + c1;
      const p10 = r1 + c0;
      const p11 = r1 + c1;
      // (h0 >> 4) * b0 >> 16 never exceeds 255 * 4 per row, so (sum + 2) >> 2 <= 255: no clamp needed.
      staging[o] =
        ((((((data[p00 + ro] as number) * a0 + (data[p01 + ro] as number) * a1) >> 4) * b0) >> 16) +
          (((((data[p10 + ro] as number) * a0 + (data[p11 + ro] as number) * a1) >> 4) * b1) >> 16) +
          2) >>
        2;
      staging[o + 1] =
        ((((((data[p00 + go] as number) * a0 + (data[p01 + go] as number) * a1) >> 4) * b0) >> 16) +
          (((((data[p10 + go] as number) * a0 + (data[p11 + go] as number) * a1) >> 4) * b1) >> 16) +
          2) >>
        2;
      staging[o + 2] =
        ((((((data[p00 + bo] as number) * a0 + (data[p01 + bo] as number) * a1) >> 4) * b0) >> 16) +
          (((((data[p10 + bo] as number) * a0 + (data[p11 + bo] as number) * a1) >> 4) * b1) >> 16) +
          2) >>
        2;
    }
  }
}

/** Byte offsets (column * bytesPerPixel) of the sampled columns, cached on the plan per pixel size. */
function packedColumnOffsets(plan: SamplingPlan, bytesPerPixel: number): Int32Array {
  let cols = plan.columnOffsets.get(bytesPerPixel);
  if (cols === undefined) {
    cols = plan.x.index.map((c) => c * bytesPerPixel);
    plan.columnOffsets.set(bytesPerPixel, cols);
  }
  return cols;
}

/**
 * Resamples the source into plan.staging (W x H x 3 RGB bytes) over the content rectangle, reading only the source
 * pixels the tables sample. The padding around the content was filled when the plan was built.
 */
export function resampleIntoStaging(plan: SamplingPlan, layout: RawLayout, data: Uint8Array, outWidth: number): void {
  const { x, y, staging } = plan;
  const rowStride = outWidth * 3;
  if (layout.family === 'packed' && plan.arithmetic === 'opencv' && x.taps === 2 && y.taps === 2) {
    linearPackedToRgb(plan, layout, data, staging, (plan.contentTop * outWidth + plan.contentLeft) * 3, rowStride);
    return;
  }
  const n3 = x.count * 3;
  const yw = y.weight;
  const taps = y.taps;
  const twoTapCv = plan.arithmetic === 'opencv' && taps === 2;
  const picked: Int32Array[] = new Array<Int32Array>(taps);
  for (let dy = 0; dy < y.count; dy++) {
    const base = (plan.contentTop + dy) * rowStride + plan.contentLeft * 3;
    if (twoTapCv) {
      const r0 = filteredRow(plan, layout, data, y.index[dy * 2] as number);
      const r1 = filteredRow(plan, layout, data, y.index[dy * 2 + 1] as number);
      const b0 = yw[dy * 2] as number;
      const b1 = yw[dy * 2 + 1] as number;
      // OpenCV's SIMD vertical pass: 16-bit multiply-high of (sum >> 4) by the weight, then (v + 2) >> 2.
      for (let i = 0; i < n3; i++) {
        const v = ((((r0[i] as number) >> 4) * b0) >> 16) + ((((r1[i] as number) >> 4) * b1) >> 16);
        const b = (v + 2) >> 2;
        staging[base + i] = b > 255 ? 255 : b;
      }
      continue;
    }
    for (let t = 0; t < taps; t++) picked[t] = filteredRow(plan, layout, data, y.index[dy * taps + t] as number);
    for (let i = 0; i < n3; i++) {
      let s = ROUND22;
      for (let t = 0; t < taps; t++) s += ((picked[t] as Int32Array)[i] as number) * (yw[dy * taps + t] as number);
      const b = s >> 22;
      staging[base + i] = b < 0 ? 0 : b > 255 ? 255 : b;
    }
  }
}
