import { BpuBackend } from '../../../src/backends/bpu/BpuBackend';
import { createOutputDecoder } from '../../../src/backends/bpu/outputDecoder';
import {
  emulatorProbe,
  ensureEmulator,
  expectNoLeaks,
  expectedClass,
  grayNv12,
  intendedValue,
  nv12Input,
  roundHalfAway,
  tempDir,
  writeModel,
} from './emulator';

const lib = ensureEmulator();
const probe = emulatorProbe();
const dir = tempDir();

const RANGES: Record<string, [number, number]> = {
  S8: [-128, 127],
  U8: [0, 255],
  S16: [-32768, 32767],
  U16: [0, 65535],
  S32: [-2147483648, 2147483647],
};

interface OutputSpec {
  type: string;
  validShape: number[];
  stride?: number[];
  quantiType?: 'NONE' | 'SHIFT' | 'SCALE';
  quantizeAxis?: number;
  scale?: number[];
  zeroPoint?: number[];
  shift?: number[];
  layout?: string;
  logits: { high: number; low: number; step: number };
}

/**
 * What the backend must return, computed independently of both the emulator and the decoder:
 * quantise the documented intended value like the emulator's README says, then dequantise per §5.5.
 */
function expectedValues(spec: OutputSpec, k: number): Float32Array {
  const dims = spec.validShape;
  const n = dims.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // index along quantizeAxis of the row-major element i
    let rem = i;
    const idx: number[] = [];
    for (let d = dims.length - 1; d >= 0; d--) {
      idx[d] = rem % (dims[d] as number);
      rem = Math.floor(rem / (dims[d] as number));
    }
    const a = idx[spec.quantizeAxis ?? 0] as number;
    const v = intendedValue(i, k, spec.logits);
    const [lo, hi] = RANGES[spec.type] ?? [-Infinity, Infinity];
    const clamp = (q: number) => Math.min(hi, Math.max(lo, q));
    if (spec.quantiType === 'SCALE') {
      const s = Math.fround((spec.scale?.length === 1 ? spec.scale[0] : spec.scale?.[a]) as number);
      const z = spec.zeroPoint ? ((spec.zeroPoint.length === 1 ? spec.zeroPoint[0] : spec.zeroPoint[a]) as number) : 0;
      const q = clamp(roundHalfAway(v / s) + z);
      out[i] = (q - z) * s;
    } else if (spec.quantiType === 'SHIFT') {
      const sh = (spec.shift?.length === 1 ? spec.shift[0] : spec.shift?.[a]) as number;
      const q = clamp(roundHalfAway(v * 2 ** sh));
      out[i] = q / 2 ** sh;
    } else {
      out[i] = spec.type === 'F32' ? v : clamp(roundHalfAway(v));
    }
  }
  return out;
}

const CASES: [string, OutputSpec][] = [
  ['F32 NONE, dense', { type: 'F32', validShape: [1, 12, 1, 1], logits: { high: 7.25, low: -3.5, step: 0.375 } }],
  [
    'F32 NONE, padded strides (16 bytes per class)',
    { type: 'F32', validShape: [1, 12, 1, 1], stride: [192, 16, 16, 16], logits: { high: 9, low: -2, step: 0.5 } },
  ],
  [
    'S8 SCALE per tensor with zero point',
    {
      type: 'S8',
      validShape: [1, 12, 1, 1],
      quantiType: 'SCALE',
      quantizeAxis: 1,
      scale: [0.0625],
      zeroPoint: [-5],
      logits: { high: 6, low: -4, step: 0.3 },
    },
  ],
  [
    'U8 SCALE per tensor with zero point, padded',
    {
      type: 'U8',
      validShape: [1, 12, 1, 1],
      stride: [48, 4, 4, 4],
      quantiType: 'SCALE',
      quantizeAxis: 1,
      scale: [0.05],
      zeroPoint: [100],
      logits: { high: 5, low: -4, step: 0.2 },
    },
  ],
  [
    'S16 SHIFT per axis',
    {
      type: 'S16',
      validShape: [1, 12, 1, 1],
      quantiType: 'SHIFT',
      quantizeAxis: 1,
      shift: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      logits: { high: 12.3, low: -1.7, step: 0.11 },
    },
  ],
  [
    'U16 SCALE per axis with zero points',
    {
      type: 'U16',
      validShape: [1, 12, 1, 1],
      quantiType: 'SCALE',
      quantizeAxis: 1,
      scale: [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12],
      zeroPoint: [100, 90, 80, 70, 60, 50, 40, 30, 20, 10, 0, 127],
      logits: { high: 20, low: -0.5, step: 0.25 },
    },
  ],
  [
    'S32 SCALE per axis 3 (NHWC), padded rows',
    {
      type: 'S32',
      layout: 'NHWC',
      validShape: [1, 2, 3, 4],
      stride: [160, 80, 20, 4],
      quantiType: 'SCALE',
      quantizeAxis: 3,
      scale: [0.001, 0.002, 0.004, 0.008],
      logits: { high: 42, low: -6, step: 1.5 },
    },
  ],
  [
    'S8 SHIFT per tensor, strided, clamped high logit',
    {
      type: 'S8',
      validShape: [1, 12, 1, 1],
      stride: [24, 2, 2, 2],
      quantiType: 'SHIFT',
      quantizeAxis: 1,
      shift: [4],
      logits: { high: 100, low: -2, step: 0.25 },
    },
  ],
];

afterEach(() => expectNoLeaks(probe));

describe('BPU output decoding through the emulator', () => {
  it.each(CASES)('%s', async (_name, spec) => {
    const file = writeModel(dir, 'out.emu.json', {
      latencyUs: 0,
      input: { height: 2, width: 16 },
      outputs: [spec],
    });
    const backend = await BpuBackend.open({ modelPath: file, libraryPath: lib, maxInflight: 2 });
    try {
      const n = spec.validShape.reduce((a, b) => a * b, 1);
      expect(backend.info.outputs[0]?.type).toBe(spec.type);
      const levels = [0, 77, 255];
      const results = await backend.infer(levels.map((l) => nv12Input(16, 2, grayNv12(16, 2, l))));
      results.forEach((logits, j) => {
        const k = expectedClass((levels[j] as number) * 32, 32, n);
        expect(Array.from(logits)).toEqual(Array.from(expectedValues(spec, k)));
      });
    } finally {
      await backend.close();
    }
  });

  it('takes the second of two outputs into account only for flushing, decoding output 0', async () => {
    const file = writeModel(dir, 'two.emu.json', {
      input: { height: 2, width: 16 },
      outputs: [
        { type: 'F32', validShape: [1, 5, 1, 1], logits: { high: 1, low: 0, step: 0 } },
        { type: 'S8', validShape: [1, 3, 1, 1], quantiType: 'SCALE', scale: [0.5], quantizeAxis: 1 },
      ],
    });
    const backend = await BpuBackend.open({ modelPath: file, libraryPath: lib, maxInflight: 1 });
    probe.resetCounters();
    const [logits] = await backend.infer([nv12Input(16, 2, grayNv12(16, 2, 255))]);
    await backend.close();
    expect(Array.from(logits as Float32Array)).toEqual([0, 0, 0, 0, 1]);
    expect(probe.counter('invalidate_flushes')).toBe(2);
    expect(backend.info.outputs.map((o) => o.type)).toEqual(['F32', 'S8']);
  });
});

describe('createOutputDecoder refuses layouts it cannot read', () => {
  const base = {
    name: 'out',
    tensorType: 13,
    validShape: [1, 4],
    stride: [16, 4],
    alignedByteSize: 16,
    quantiType: 0,
    quantizeAxis: 0,
    scale: [],
    zeroPoint: [],
    shift: [],
  };
  it.each([
    [{ tensorType: 10 }, 'tensor type 10 is not supported'],
    [{ stride: [32, 8] }, 'reach byte 28, beyond alignedByteSize 16'],
    [{ quantiType: 2, scale: [1, 2, 3], quantizeAxis: 1 }, '3 scale values, but dimension quantizeAxis=1 has 4'],
    [{ quantiType: 1, shift: [] }, 'shift is empty'],
  ])('%p', (change, message) => {
    expect(() => createOutputDecoder({ ...base, ...change })).toThrow(message);
  });
});
