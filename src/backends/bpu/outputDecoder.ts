import { EdgenextError, ErrorCodes } from '../../core/errors';

/** Output element types the decoder reads (hbDNNDataType values, §2.3 of the runtime spec). */
const ELEMENT_TYPES = {
  8: { name: 'S8', size: 1 },
  9: { name: 'U8', size: 1 },
  11: { name: 'S16', size: 2 },
  12: { name: 'U16', size: 2 },
  13: { name: 'F32', size: 4 },
  14: { name: 'S32', size: 4 },
} as const;

type ElementTypeCode = keyof typeof ELEMENT_TYPES;

/** What the decoder needs from hbDNNTensorProperties, with the quantisation arrays already read. */
export interface OutputLayout {
  readonly name: string;
  readonly tensorType: number;
  readonly validShape: readonly number[];
  /** Byte step per validShape dimension; all zero means dense. */
  readonly stride: readonly number[];
  readonly alignedByteSize: number;
  /** 0 NONE, 1 SHIFT, 2 SCALE. */
  readonly quantiType: number;
  readonly quantizeAxis: number;
  readonly scale: readonly number[];
  /** int8 zero points; empty when the model has none. */
  readonly zeroPoint: readonly number[];
  readonly shift: readonly number[];
}

/** Reads one output buffer into logical (validShape row-major) float values. */
export interface OutputDecoder {
  readonly elementCount: number;
  readonly typeName: string;
  decode(buffer: ArrayBuffer): Float32Array;
}

export function elementTypeName(tensorType: number): string | undefined {
  return (ELEMENT_TYPES as Record<number, { name: string }>)[tensorType]?.name;
}

/**
 * Precomputes byte offsets and per-element dequantisation factors once, so each frame is one pass:
 * value = (q - zeroPoint[i]) * scale[i] (SCALE), q / 2^shift[i] (SHIFT) or q (NONE), with i the index
 * along quantizeAxis when there is more than one factor. Throws EdgenextError(modelMismatch) for
 * types, strides or sizes the buffer cannot hold.
 */
export function createOutputDecoder(layout: OutputLayout): OutputDecoder {
  const type = (ELEMENT_TYPES as Record<number, { name: string; size: number }>)[layout.tensorType];
  const fail = (problem: string): never => {
    throw new EdgenextError(ErrorCodes.modelMismatch, `BPU output '${layout.name}': ${problem}`);
  };
  if (!type) return fail(`tensor type ${layout.tensorType} is not supported (F32, S8, U8, S16, U16, S32 are)`);
  const dims = layout.validShape;
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    return fail(`invalid validShape [${dims.join(', ')}]`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  const dense = layout.stride.slice(0, dims.length).every((s) => s === 0);
  const stride: number[] = new Array<number>(dims.length);
  for (let d = dims.length - 1, step = type.size; d >= 0; d--) {
    stride[d] = dense ? step : (layout.stride[d] ?? 0);
    step *= dims[d] as number;
  }
  const offsets = new Int32Array(count);
  const axisIndex = new Int32Array(count);
  const axis = layout.quantizeAxis;
  let maxEnd = 0;
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < count; i++) {
    let offset = 0;
    for (let d = 0; d < dims.length; d++) offset += (idx[d] as number) * (stride[d] as number);
    if (offset < 0) return fail(`negative stride [${stride.join(', ')}]`);
    offsets[i] = offset;
    axisIndex[i] = axis >= 0 && axis < dims.length ? (idx[axis] as number) : 0;
    maxEnd = Math.max(maxEnd, offset + type.size);
    for (let d = dims.length - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (dims[d] as number)) break;
      idx[d] = 0;
    }
  }
  if (maxEnd > layout.alignedByteSize) {
    return fail(
      `strides [${stride.join(', ')}] reach byte ${maxEnd}, beyond alignedByteSize ${layout.alignedByteSize}`,
    );
  }
  const factors = quantisationFactors(layout, count, axisIndex, fail);
  const code = layout.tensorType as ElementTypeCode;
  const denseF32 = code === 13 && layout.quantiType === 0 && offsets.every((o, i) => o === i * 4);

  return {
    elementCount: count,
    typeName: type.name,
    decode(buffer: ArrayBuffer): Float32Array {
      if (denseF32) return new Float32Array(buffer.slice(0, count * 4));
      const view = new DataView(buffer);
      const out = new Float32Array(count);
      const { multiplier, zero } = factors;
      for (let i = 0; i < count; i++) {
        const o = offsets[i] as number;
        let q: number;
        switch (code) {
          case 8:
            q = view.getInt8(o);
            break;
          case 9:
            q = view.getUint8(o);
            break;
          case 11:
            q = view.getInt16(o, true);
            break;
          case 12:
            q = view.getUint16(o, true);
            break;
          case 13:
            q = view.getFloat32(o, true);
            break;
          default:
            q = view.getInt32(o, true);
        }
        out[i] = multiplier ? (q - (zero ? (zero[i] as number) : 0)) * (multiplier[i] as number) : q;
      }
      return out;
    },
  };
}

function quantisationFactors(
  layout: OutputLayout,
  count: number,
  axisIndex: Int32Array,
  fail: (problem: string) => never,
): { multiplier: Float64Array | null; zero: Float64Array | null } {
  if (layout.quantiType === 0) return { multiplier: null, zero: null };
  const perAxis = (values: readonly number[], what: string): ((i: number) => number) => {
    if (values.length === 0) return fail(`${what} is empty`);
    if (values.length === 1) return () => values[0] as number;
    const axisLen = layout.validShape[layout.quantizeAxis];
    if (axisLen !== values.length) {
      return fail(`${values.length} ${what} values, but dimension quantizeAxis=${layout.quantizeAxis} has ${axisLen}`);
    }
    return (i) => values[axisIndex[i] as number] as number;
  };
  const multiplier = new Float64Array(count);
  if (layout.quantiType === 2) {
    const scaleAt = perAxis(layout.scale, 'scale');
    const zeroAt = layout.zeroPoint.length > 0 ? perAxis(layout.zeroPoint, 'zero point') : null;
    const zero = zeroAt ? new Float64Array(count) : null;
    for (let i = 0; i < count; i++) {
      multiplier[i] = Math.fround(scaleAt(i));
      if (zero && zeroAt) zero[i] = zeroAt(i);
    }
    return { multiplier, zero };
  }
  if (layout.quantiType === 1) {
    const shiftAt = perAxis(layout.shift, 'shift');
    for (let i = 0; i < count; i++) multiplier[i] = 2 ** -shiftAt(i);
    return { multiplier, zero: null };
  }
  return fail(`quantiType ${layout.quantiType} is not NONE (0), SHIFT (1) or SCALE (2)`);
}
