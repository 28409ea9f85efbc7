import type { PreprocessSpec } from '../core/preprocessing';
import { computeResizeGeometry, type ResizeGeometry } from './computeResizeGeometry';
import {
  cvCubicTable,
  cvLinearTable,
  cvNearestTable,
  pilFilterTable,
  pilNearestTable,
  type AxisTable,
} from './resampleTables';

/**
 * Everything about turning a source of one size into one spec's model input that does not depend on the pixels:
 * geometry, sampling tables and scratch buffers. Cached, so a camera stream builds it once.
 */
export interface SamplingPlan {
  readonly geometry: ResizeGeometry;
  /** Grey level (all channels) of the letterbox padding. */
  readonly padValue: number;
  /** Output rectangle the source covers (the rest is letterbox padding). */
  readonly contentLeft: number;
  readonly contentTop: number;
  readonly x: AxisTable;
  readonly y: AxisTable;
  /**
   * How fixed-point sums become bytes. 'opencv': horizontal sums stay 11-bit scaled and the vertical pass rounds
   * as OpenCV's SIMD VResizeLinearVec_32s8u (2 taps) or its FixedPtCast (other tap counts). 'pillow': each pass
   * rounds and clips to 8 bits with 22-bit weights, as Pillow's ImagingResample.
   */
  readonly arithmetic: 'opencv' | 'pillow';
  /** Scratch: RGB of the sampled source columns of one row (x.count * x.taps * 3). */
  readonly gathered: Uint8Array;
  /** Scratch: horizontally filtered rows, keyed by source row in `rowOf` (x.count * 3 each). */
  readonly rows: Int32Array[];
  readonly rowOf: Int32Array;
  /** Byte offsets of the sampled columns for packed sources, per bytes-per-pixel (filled on first use). */
  readonly columnOffsets: Map<number, Int32Array>;
  /** Scratch: the whole W x H RGB output (padding filled once at creation, content overwritten per frame). */
  readonly staging: Uint8Array;
}

const MAX_PLANS = 32;
const plans = new Map<string, SamplingPlan>();

function planKey(width: number, height: number, spec: PreprocessSpec): string {
  const r = spec.resize;
  return `${width}x${height}>${spec.width}x${spec.height}:${r.policy}:${r.interpolation}:${r.cropPct}:${r.padValue}`;
}

function buildPlan(sourceWidth: number, sourceHeight: number, spec: PreprocessSpec): SamplingPlan {
  const geometry = computeResizeGeometry(sourceWidth, sourceHeight, spec);
  const interpolation = spec.resize.interpolation;
  let x: AxisTable;
  let y: AxisTable;
  let arithmetic: SamplingPlan['arithmetic'];
  if (geometry.policy === 'center_crop') {
    // timm evaluates on PIL images: Pillow's antialiased filters, then the crop. Only the cropped outputs are built.
    arithmetic = 'pillow';
    const { resizedWidth: rw, resizedHeight: rh, cropLeft, cropTop } = geometry;
    if (interpolation === 'nearest') {
      x = pilNearestTable(sourceWidth, rw, cropLeft, spec.width);
      y = pilNearestTable(sourceHeight, rh, cropTop, spec.height);
    } else {
      x = pilFilterTable(interpolation, sourceWidth, rw, cropLeft, spec.width);
      y = pilFilterTable(interpolation, sourceHeight, rh, cropTop, spec.height);
    }
  } else {
    // stretch and letterbox follow the model zoo's cv2.resize.
    arithmetic = 'opencv';
    const { resizedWidth: rw, resizedHeight: rh } = geometry;
    const table =
      interpolation === 'nearest' ? cvNearestTable : interpolation === 'bicubic' ? cvCubicTable : cvLinearTable;
    x = table(sourceWidth, rw, 0, rw);
    y = table(sourceHeight, rh, 0, rh);
  }
  const slots = y.taps * 2;
  return {
    geometry,
    padValue: spec.resize.padValue,
    contentLeft: geometry.padLeft,
    contentTop: geometry.padTop,
    x,
    y,
    arithmetic,
    gathered: new Uint8Array(x.count * x.taps * 3),
    rows: Array.from({ length: slots }, () => new Int32Array(x.count * 3)),
    rowOf: new Int32Array(slots).fill(-1),
    columnOffsets: new Map(),
    staging: new Uint8Array(spec.width * spec.height * 3).fill(spec.resize.padValue),
  };
}

/** The cached plan for this source size and spec (at most MAX_PLANS kept, least recently used evicted). */
export function samplingPlan(sourceWidth: number, sourceHeight: number, spec: PreprocessSpec): SamplingPlan {
  const key = planKey(sourceWidth, sourceHeight, spec);
  let plan = plans.get(key);
  if (plan !== undefined) {
    plans.delete(key);
  } else {
    plan = buildPlan(sourceWidth, sourceHeight, spec);
    if (plans.size >= MAX_PLANS) {
      const oldest = plans.keys().next().value;
      if (oldest !== undefined) plans.delete(oldest);
    }
  }
  plans.set(key, plan);
  plan.rowOf.fill(-1);
  return plan;
}
