import type { RawLayout } from './rawLayout';
import type { SamplingPlan } from './samplingPlan';
import { RESAMPLE_WASM_BASE64 } from './wasm/resampleWasm';
import { rgbToNv12 } from './yuvFormulas';

// The project compiles against ES2022 + @types/node 20, which do not declare the WebAssembly global; the subset used.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
};

interface Kernels {
  readonly memory: WasmMemory;
  readonly resize_linear_packed: (...args: number[]) => void;
  readonly rgb_to_nv12: (rgb: number, width: number, height: number, out: number) => void;
  readonly rgb_to_planar_f32: (rgb: number, pixels: number, lut: number, out: number) => void;
  readonly yuv_gather_rgb: (...args: number[]) => void;
  readonly pil_horizontal: (...args: number[]) => void;
  readonly pil_vertical: (...args: number[]) => void;
}

/** Above the module's 64 KiB shadow stack; everything the kernels touch is laid out from here per call. */
const DATA_START = 256 * 1024;
const PAGE = 64 * 1024;

let kernels: Kernels | null | undefined;

/** The compiled SIMD kernels, or null where this runtime lacks WebAssembly SIMD (the TypeScript path is used then). */
function loadKernels(): Kernels | null {
  if (kernels !== undefined) return kernels;
  try {
    const module = new WebAssembly.Module(Buffer.from(RESAMPLE_WASM_BASE64, 'base64'));
    const memory = new WebAssembly.Memory({ initial: 64 });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const e = instance.exports as Record<string, unknown>;
    kernels = {
      memory,
      resize_linear_packed: e.resize_linear_packed as Kernels['resize_linear_packed'],
      rgb_to_nv12: e.rgb_to_nv12 as Kernels['rgb_to_nv12'],
      rgb_to_planar_f32: e.rgb_to_planar_f32 as Kernels['rgb_to_planar_f32'],
      yuv_gather_rgb: e.yuv_gather_rgb as Kernels['yuv_gather_rgb'],
      pil_horizontal: e.pil_horizontal as Kernels['pil_horizontal'],
      pil_vertical: e.pil_vertical as Kernels['pil_vertical'],
    };
  } catch {
    kernels = null;
  }
  return kernels;
}

/** Per-plan tables in the layout the kernel wants, built on first use for each pixel layout. */
interface WasmTables {
  readonly xofs: Int32Array;
  readonly xw: Int16Array;
  /** Distinct source rows the frame needs, in order; row slot i holds rows[i]. */
  readonly rows: Int32Array;
  readonly yslot: Int32Array;
  readonly swizzle: Uint8Array;
}

const tablesByPlan = new WeakMap<SamplingPlan, Map<string, WasmTables>>();

function buildTables(plan: SamplingPlan, layout: RawLayout): WasmTables {
  const { x, y } = plan;
  // YUV rows are first converted to RGB pixel pairs (6 bytes per output column), then resized as rgb8.
  const packed = layout.family === 'packed';
  const bpp = packed ? layout.bytesPerPixel : 3;
  const xofs = new Int32Array(x.count);
  const xw = new Int16Array(x.count * 8);
  for (let i = 0; i < x.count; i++) {
    xofs[i] = packed ? (x.index[i * 2] as number) * bpp : i * 6;
    const a0 = x.weight[i * 2] as number;
    const a1 = x.weight[i * 2 + 1] as number;
    xw.set([a0, a1, a0, a1, a0, a1, 0, 0], i * 8);
  }
  const distinct: number[] = [];
  const yslot = new Int32Array(y.count * 2);
  for (let i = 0; i < y.count * 2; i++) {
    const row = y.index[i] as number;
    if (distinct[distinct.length - 1] !== row) distinct.push(row);
    yslot[i] = distinct.length - 1;
  }
  const swizzle = new Uint8Array(16).fill(0x80);
  (packed ? [layout.rOffset, layout.gOffset, layout.bOffset] : [0, 1, 2]).forEach((offset, c) => {
    swizzle[c * 4] = offset;
    swizzle[c * 4 + 2] = offset + bpp;
  });
  return { xofs, xw, rows: Int32Array.from(distinct), yslot, swizzle };
}

function tablesFor(plan: SamplingPlan, layout: RawLayout): WasmTables {
  let byLayout = tablesByPlan.get(plan);
  if (byLayout === undefined) {
    byLayout = new Map();
    tablesByPlan.set(plan, byLayout);
  }
  const key =
    layout.family === 'packed' ? `${layout.bytesPerPixel}:${layout.rOffset}${layout.gOffset}${layout.bOffset}` : 'yuv';
  let tables = byLayout.get(key);
  if (tables === undefined) {
    tables = buildTables(plan, layout);
    byLayout.set(key, tables);
  }
  return tables;
}

function align16(n: number): number {
  return (n + 15) & ~15;
}

/**
 * Whether the SIMD kernels can serve this plan: OpenCV bilinear (stretch/letterbox) or Pillow's filters (center_crop),
 * from any encoding. OpenCV nearest/bicubic stay in TypeScript.
 */
export function wasmCanResample(plan: SamplingPlan): boolean {
  const supported = plan.arithmetic === 'pillow' || (plan.x.taps === 2 && plan.y.taps === 2);
  return supported && loadKernels() !== null;
}

type Target =
  | { readonly kind: 'nv12'; readonly out: Uint8Array }
  | { readonly kind: 'float'; readonly out: Float32Array; readonly lut: Float32Array };

/** Converts the staging RGB in wasm memory into the requested model input and copies it out. */
function finish(
  k: Kernels,
  target: Target,
  stagingPtr: number,
  lutPtr: number,
  outPtr: number,
  width: number,
  height: number,
): void {
  const buffer = k.memory.buffer;
  if (target.kind === 'nv12') {
    if (width % 4 === 0) {
      k.rgb_to_nv12(stagingPtr, width, height, outPtr);
      target.out.set(new Uint8Array(buffer, outPtr, target.out.length));
    } else {
      // The SIMD kernel converts 4 pixels a step; other (tiny, unusual) widths take the TypeScript conversion.
      rgbToNv12(new Uint8Array(buffer, stagingPtr, width * height * 3), width, height, target.out);
    }
  } else {
    new Float32Array(buffer, lutPtr, 768).set(target.lut);
    k.rgb_to_planar_f32(stagingPtr, width * height, lutPtr, outPtr);
    target.out.set(new Float32Array(buffer, outPtr, target.out.length));
  }
}

/**
 * Pillow's antialiased filters (center_crop) on SIMD: copies the contiguous band of source rows the crop needs, runs
 * the horizontal then the vertical pass with Pillow's 22-bit integer arithmetic, then converts like the bilinear path.
 */
function wasmPillow(
  k: Kernels,
  plan: SamplingPlan,
  layout: RawLayout,
  data: Uint8Array,
  outWidth: number,
  outHeight: number,
  target: Target,
): void {
  const { x, y } = plan;
  const width = layout.width;
  const packed = layout.family === 'packed';
  // Copied bytes per source row (4:2:0: the Y row then its chroma row); YUV rows are then converted to rgb8 rows
  // (all columns: antialiased filters read nearly every pixel of the band) with 16 spare bytes each.
  const copyBytes = packed ? width * layout.bytesPerPixel : width * 2;
  const bpp = packed ? layout.bytesPerPixel : 3;
  const rowBytes = packed ? copyBytes : width * 3 + 16;
  const firstRow = y.index[0] as number;
  const lastRow = y.index[y.index.length - 1] as number;
  const slots = lastRow - firstRow + 1;
  const stagingBytes = outWidth * outHeight * 3;
  const outBytes = target.kind === 'nv12' ? target.out.length : target.out.length * 4;
  const xfirstPtr = DATA_START;
  const xwPtr = align16(xfirstPtr + x.count * 4);
  const yfirstPtr = align16(xwPtr + x.weight.byteLength);
  const ywPtr = align16(yfirstPtr + y.count * 4);
  const swzPtr = align16(ywPtr + y.weight.byteLength);
  const lutPtr = align16(swzPtr + 16);
  const colsPtr = align16(lutPtr + 768 * 4);
  const stagingPtr = align16(colsPtr + (packed ? 0 : width * 4));
  const outPtr = align16(stagingPtr + stagingBytes + 16);
  const copyPtr = align16(outPtr + outBytes);
  const rowsPtr = packed ? copyPtr : align16(copyPtr + slots * copyBytes + 16);
  // Taps past a window's end carry weight 0 but are still read: leave room for them after the last row.
  const hPtr = align16(rowsPtr + slots * rowBytes + x.taps * 4 + 16);
  const end = hPtr + (slots + y.taps) * x.count * 16;
  if (k.memory.buffer.byteLength < end) k.memory.grow(Math.ceil((end - k.memory.buffer.byteLength) / PAGE));
  const buffer = k.memory.buffer;
  const heap = new Uint8Array(buffer);
  const xfirst = new Int32Array(buffer, xfirstPtr, x.count);
  for (let i = 0; i < x.count; i++) xfirst[i] = (x.index[i * x.taps] as number) * bpp;
  new Int32Array(buffer, xwPtr, x.weight.length).set(x.weight);
  const yfirst = new Int32Array(buffer, yfirstPtr, y.count);
  for (let i = 0; i < y.count; i++) yfirst[i] = (y.index[i * y.taps] as number) - firstRow;
  new Int32Array(buffer, ywPtr, y.weight.length).set(y.weight);
  const swizzle = new Uint8Array(16).fill(0x80);
  const offsets = packed ? [layout.rOffset, layout.gOffset, layout.bOffset] : [0, 1, 2];
  offsets.forEach((offset, c) => (swizzle[c * 4] = offset));
  heap.set(swizzle, swzPtr);
  const step = layout.step;
  if (step === copyBytes && layout.family !== 'yuv420sp') {
    heap.set(data.subarray(firstRow * step, (lastRow + 1) * step), copyPtr);
  } else {
    for (let s = 0; s < slots; s++) {
      const row = firstRow + s;
      if (layout.family === 'yuv420sp') {
        heap.set(data.subarray(row * step, row * step + width), copyPtr + s * copyBytes);
        const chroma = layout.chromaOffset + (row >> 1) * step;
        heap.set(data.subarray(chroma, chroma + width), copyPtr + s * copyBytes + width);
      } else {
        heap.set(data.subarray(row * step, row * step + copyBytes), copyPtr + s * copyBytes);
      }
    }
  }
  if (!packed) {
    const cols = new Int32Array(buffer, colsPtr, width);
    for (let i = 0; i < width; i++) cols[i] = i;
    const planar = layout.family === 'yuv420sp';
    k.yuv_gather_rgb(
      copyPtr,
      slots,
      copyBytes,
      planar ? 1 : 0,
      width,
      planar ? 0 : layout.y0Offset,
      planar ? 0 : layout.y1Offset,
      layout.uOffset,
      layout.vOffset,
      colsPtr,
      width / 2,
      rowsPtr,
    );
  }
  k.pil_horizontal(rowsPtr, slots, rowBytes, bpp, xfirstPtr, xwPtr, x.count, x.taps, swzPtr, hPtr);
  k.pil_vertical(hPtr, x.count, yfirstPtr, ywPtr, y.count, y.taps, stagingPtr, 0, outWidth * 3);
  finish(k, target, stagingPtr, lutPtr, outPtr, outWidth, outHeight);
}

/**
 * The fast path on WebAssembly SIMD: copies only the source rows the resize samples into wasm memory (one memcpy per
 * row; YUV rows are then converted to RGB at the sampled columns only), resizes them with the same integer
 * arithmetic as the TypeScript path, converts, and copies the result into `out`. Returns false (nothing written)
 * when the kernels are unavailable.
 */
export function wasmPreprocess(
  plan: SamplingPlan,
  layout: RawLayout,
  data: Uint8Array,
  outWidth: number,
  outHeight: number,
  target: Target,
): boolean {
  const k = loadKernels();
  if (k === null) return false;
  if (plan.arithmetic === 'pillow') {
    wasmPillow(k, plan, layout, data, outWidth, outHeight, target);
    return true;
  }
  const t = tablesFor(plan, layout);
  const nx = plan.x.count;
  // Bytes copied per sampled source row: the pixels of a packed row; a 4:2:2 row (2 bytes a pixel); or a Y row
  // followed by its interleaved chroma row (width bytes each).
  const width = layout.width;
  const slotBytes = layout.family === 'packed' ? width * layout.bytesPerPixel : width * 2;
  const gatheredSlotBytes = nx * 6 + 16;
  const stagingBytes = outWidth * outHeight * 3;
  const xofsPtr = DATA_START;
  const xwPtr = align16(xofsPtr + t.xofs.byteLength);
  const yslotPtr = align16(xwPtr + t.xw.byteLength);
  const ywPtr = align16(yslotPtr + t.yslot.byteLength);
  const swzPtr = align16(ywPtr + plan.y.weight.byteLength);
  const colsPtr = align16(swzPtr + 16);
  const lutPtr = align16(colsPtr + plan.x.index.byteLength);
  const stagingPtr = align16(lutPtr + 768 * 4);
  const outPtr = align16(stagingPtr + stagingBytes + 16);
  const outBytes = target.kind === 'nv12' ? target.out.length : target.out.length * 4;
  const rowsPtr = align16(outPtr + outBytes);
  const gatheredPtr = align16(rowsPtr + t.rows.length * slotBytes + 16); // the kernel reads 8 bytes past a pixel
  const end = layout.family === 'packed' ? gatheredPtr : gatheredPtr + t.rows.length * gatheredSlotBytes;
  if (k.memory.buffer.byteLength < end) k.memory.grow(Math.ceil((end - k.memory.buffer.byteLength) / PAGE));
  const buffer = k.memory.buffer;
  const heap = new Uint8Array(buffer);
  new Int32Array(buffer, xofsPtr, t.xofs.length).set(t.xofs);
  new Int16Array(buffer, xwPtr, t.xw.length).set(t.xw);
  new Int32Array(buffer, yslotPtr, t.yslot.length).set(t.yslot);
  new Int32Array(buffer, ywPtr, plan.y.weight.length).set(plan.y.weight);
  heap.set(t.swizzle, swzPtr);
  // The staging image starts as the padding colour; the kernel overwrites only the content rectangle.
  heap.fill(plan.padValue, stagingPtr, stagingPtr + stagingBytes);
  const step = layout.step;
  for (let s = 0; s < t.rows.length; s++) {
    const row = t.rows[s] as number;
    const at = rowsPtr + s * slotBytes;
    if (layout.family === 'yuv420sp') {
      heap.set(data.subarray(row * step, row * step + width), at);
      const chroma = layout.chromaOffset + (row >> 1) * step;
      heap.set(data.subarray(chroma, chroma + width), at + width);
    } else {
      heap.set(data.subarray(row * step, row * step + slotBytes), at);
    }
  }
  let resizeFrom = rowsPtr;
  let resizeRowBytes = slotBytes;
  if (layout.family !== 'packed') {
    new Int32Array(buffer, colsPtr, plan.x.index.length).set(plan.x.index);
    const planar = layout.family === 'yuv420sp';
    k.yuv_gather_rgb(
      rowsPtr,
      t.rows.length,
      slotBytes,
      planar ? 1 : 0,
      width,
      planar ? 0 : layout.y0Offset,
      planar ? 0 : layout.y1Offset,
      layout.uOffset,
      layout.vOffset,
      colsPtr,
      nx,
      gatheredPtr,
    );
    resizeFrom = gatheredPtr;
    resizeRowBytes = gatheredSlotBytes;
  }
  k.resize_linear_packed(
    resizeFrom,
    resizeRowBytes,
    xofsPtr,
    xwPtr,
    nx,
    yslotPtr,
    ywPtr,
    plan.y.count,
    swzPtr,
    stagingPtr,
    (plan.contentTop * outWidth + plan.contentLeft) * 3,
    outWidth * 3,
  );
  finish(k, target, stagingPtr, lutPtr, outPtr, outWidth, outHeight);
  return true;
}
