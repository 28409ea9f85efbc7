/**
 * A deterministic stand-in for src/runtime's Classifier: the class is the palette colour nearest to the image's
 * mean colour. Raw frames are validated by the product's own src/image/rawLayout (so malformed and unsupported
 * frames fail with the product's error codes); compressed ones are decoded with sharp.
 */
import sharp from 'sharp';
import type { BackendModelInfo, InferenceBackend } from '../../../src/core/backend';
import type { ClassScore } from '../../../src/core/classification';
import { EdgenextError, ErrorCodes, errorMessage } from '../../../src/core/errors';
import type { ImageInput } from '../../../src/core/image';
import { softmax, topK } from '../../../src/core/postprocess';
import type { ModelInput } from '../../../src/core/preprocessing';
import { validateRawImage } from '../../../src/image/rawLayout';
import type { NodeClassifier } from '../../../src/ros/ports';
import type { ClassifierOptions } from '../../../src/runtime/openClassifier';
import { meanRgb, type Rgb } from './frames';

export const PALETTE: ReadonlyArray<{ label: string; rgb: Rgb }> = [
  { label: 'red', rgb: [255, 0, 0] },
  { label: 'green', rgb: [0, 255, 0] },
  { label: 'blue', rgb: [0, 0, 255] },
  { label: 'yellow', rgb: [255, 255, 0] },
  { label: 'white', rgb: [255, 255, 255] },
  { label: 'black', rgb: [0, 0, 0] },
  { label: 'gray', rgb: [128, 128, 128] },
];
export const LABELS = PALETTE.map((p) => p.label);

/** Logits: minus the distance to each palette colour, scaled so the nearest wins clearly. */
export function paletteLogits([r, g, b]: Rgb): Float32Array {
  return Float32Array.from(PALETTE.map(({ rgb }) => -Math.hypot(r - rgb[0], g - rgb[1], b - rgb[2]) / 8));
}

async function meanOfCompressed(data: Uint8Array): Promise<Rgb> {
  try {
    const { data: pixels, info } = await sharp(data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return meanRgb({ width: info.width, height: info.height, encoding: 'rgb8', step: info.width * 3, data: pixels });
  } catch (error) {
    throw new EdgenextError(ErrorCodes.decodeError, `cannot decode compressed image: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

export interface FakeBackendControl {
  /** Calls to infer so far and frames seen. */
  calls: number;
  frames: number;
  /** The next `failNext` infer calls reject with backend_error. */
  failNext: number;
  /** Milliseconds each infer call takes. */
  latencyMs: number;
  closed: boolean;
  /** Options the classifier was opened with. */
  openedWith?: ClassifierOptions;
  /** infer calls running right now. */
  running: number;
}

const INFO: BackendModelInfo = {
  modelName: 'palette_test_model',
  inputFormat: 'float32_nchw_rgb',
  inputWidth: 1,
  inputHeight: 1,
  numClasses: PALETTE.length,
  inputs: [{ name: 'data', dims: [-1, 3, 1, 1], type: 'float32' }],
  outputs: [{ name: 'logits', dims: [-1, PALETTE.length], type: 'float32' }],
};

export function createFakeClassifier(options: ClassifierOptions = {}): {
  classifier: NodeClassifier;
  control: FakeBackendControl;
} {
  const control: FakeBackendControl = {
    calls: 0,
    frames: 0,
    failNext: 0,
    latencyMs: 1,
    closed: false,
    openedWith: options,
    running: 0,
  };
  // close() cancels pending inferences (code 'closed'), as the InferenceBackend contract says.
  const pending = new Set<{ timer: NodeJS.Timeout; reject: (error: Error) => void }>();
  const sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const entry = {
        timer: setTimeout(() => {
          pending.delete(entry);
          resolve();
        }, ms),
        reject,
      };
      pending.add(entry);
    });
  const backend: InferenceBackend = {
    kind: 'onnx',
    info: INFO,
    maxBatch: 4,
    maxConcurrency: 2,
    async infer(inputs: readonly ModelInput[]): Promise<Float32Array[]> {
      if (control.closed) throw new EdgenextError(ErrorCodes.closed, 'backend closed');
      control.calls++;
      control.frames += inputs.length;
      control.running++;
      try {
        await sleep(control.latencyMs);
        if (control.failNext > 0) {
          control.failNext--;
          throw new EdgenextError(ErrorCodes.backendError, 'injected inference failure');
        }
        return inputs.map((input) => paletteLogits([input.data[0] ?? 0, input.data[1] ?? 0, input.data[2] ?? 0]));
      } finally {
        control.running--;
      }
    },
    async close(): Promise<void> {
      control.closed = true;
      for (const entry of pending) {
        clearTimeout(entry.timer);
        entry.reject(new EdgenextError(ErrorCodes.closed, 'backend closed'));
      }
      pending.clear();
    },
  };
  const classifier: NodeClassifier = {
    backend,
    labels: LABELS,
    card: {
      modelName: INFO.modelName,
      catalogEntry: 'palette_test',
      modelFile: '/models/palette.onnx',
      fileSha256: 'ab'.repeat(32),
      backend: 'onnx',
      inputWidth: 1,
      inputHeight: 1,
      inputFormat: 'float32_nchw_rgb',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { policy: 'stretch', interpolation: 'bilinear', cropPct: 1, padValue: 127 },
      labelsFile: '/models/palette_labels.json',
      numClasses: PALETTE.length,
      syntheticWeights: true,
      labelsMeaningful: false,
      labelsNote: 'SYNTHETIC WEIGHTS (test palette)',
      warmupLatencyMs: 1.5,
    },
    async preprocess(image: ImageInput): Promise<ModelInput> {
      const rgb = image.kind === 'raw' ? (validateRawImage(image), meanRgb(image)) : await meanOfCompressed(image.data);
      return { format: 'float32_nchw_rgb', width: 1, height: 1, data: Float32Array.from(rgb) };
    },
    postprocess(logits: Float32Array, k: number): ClassScore[] {
      return topK(softmax(logits), k, LABELS);
    },
    async close(): Promise<void> {
      await backend.close();
    },
  };
  return { classifier, control };
}
