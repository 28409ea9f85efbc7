/**
 * A classifier that costs next to nothing, for fuzzing the node: raw frames go through the product's real raw
 * preprocessing (to an 8x8 input, so bad layouts fail with the product's codes); compressed frames are only sniffed
 * (decoding them with sharp is what the image-file fuzz covers); the backend answers at once.
 */
import type { BackendModelInfo, InferenceBackend } from '../../src/core/backend';
import { EdgenextError, ErrorCodes } from '../../src/core/errors';
import type { ImageInput } from '../../src/core/image';
import { softmax, topK } from '../../src/core/postprocess';
import type { ModelInput, PreprocessSpec } from '../../src/core/preprocessing';
import { preprocessRaw, sniffImageFormat } from '../../src/image';
import type { NodeClassifier } from '../../src/ros/ports';

export const CHEAP_LABELS = ['a', 'b', 'c', 'd'];

export const SMALL_SPEC: PreprocessSpec = {
  width: 8,
  height: 8,
  format: 'float32_nchw_rgb',
  resize: { policy: 'letterbox', interpolation: 'bilinear', padValue: 127, cropPct: 0.875 },
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

const INFO: BackendModelInfo = {
  modelName: 'cheap',
  inputFormat: 'float32_nchw_rgb',
  inputWidth: 8,
  inputHeight: 8,
  numClasses: CHEAP_LABELS.length,
  inputs: [{ name: 'data', dims: [-1, 3, 8, 8], type: 'float32' }],
  outputs: [{ name: 'output', dims: [-1, CHEAP_LABELS.length], type: 'float32' }],
};

/** Logits from the mean of the input, so results depend on the frame. */
function logitsOf(input: ModelInput): Float32Array {
  let sum = 0;
  for (let i = 0; i < input.data.length; i++) sum += input.data[i] as number;
  const mean = sum / Math.max(1, input.data.length);
  return Float32Array.from(CHEAP_LABELS, (_, i) => -Math.abs(mean - i));
}

export function cheapClassifier(): NodeClassifier {
  const backend: InferenceBackend = {
    kind: 'onnx',
    info: INFO,
    maxBatch: 1,
    maxConcurrency: 2,
    infer: (inputs) => Promise.resolve(inputs.map(logitsOf)),
    close: () => Promise.resolve(),
  };
  return {
    backend,
    labels: CHEAP_LABELS,
    card: {
      modelName: 'cheap',
      catalogEntry: 'cheap',
      modelFile: '/models/cheap.onnx',
      fileSha256: '00'.repeat(32),
      backend: 'onnx',
      inputWidth: 8,
      inputHeight: 8,
      inputFormat: 'float32_nchw_rgb',
      mean: [...SMALL_SPEC.mean],
      std: [...SMALL_SPEC.std],
      resize: SMALL_SPEC.resize,
      labelsFile: '/models/cheap_labels.json',
      numClasses: CHEAP_LABELS.length,
      syntheticWeights: true,
      labelsMeaningful: false,
      labelsNote: 'SYNTHETIC WEIGHTS (fuzz classifier)',
      warmupLatencyMs: 0,
    },
    preprocess(image: ImageInput): ModelInput {
      if (image.kind === 'raw') return preprocessRaw(image, SMALL_SPEC);
      if (sniffImageFormat(image.data) === undefined) {
        throw new EdgenextError(ErrorCodes.decodeError, `not JPEG, PNG or WebP (${image.data.length} bytes)`);
      }
      return { format: 'float32_nchw_rgb', width: 8, height: 8, data: new Float32Array(192) };
    },
    postprocess: (logits, k) => topK(softmax(logits), k, CHEAP_LABELS),
    close: () => Promise.resolve(),
  };
}
