import type { ClassScore } from '../../src/core/classification';
import type { ImageInput } from '../../src/core/image';
import type { ModelInput } from '../../src/core/preprocessing';
import type { ReplayClassifier } from '../../src/replay';

export const FAKE_LABELS = Array.from({ length: 16 }, (_, i) => `class_${i}`);

/** A deterministic stand-in: the "model input" is the byte sum of the image, logits a hash of it. */
export function fakePreprocess(image: ImageInput): ModelInput {
  let sum = 0;
  for (let i = 0; i < image.data.length; i += 1) sum = (sum + image.data[i]! * (i % 251)) % 1_000_003;
  const width = image.kind === 'raw' ? image.width : 0;
  return { format: 'float32_nchw_rgb', width: 1, height: 1, data: Float32Array.of(sum, width) };
}

export function fakeLogits(input: ModelInput): Float32Array {
  const seed = (input.data[0] ?? 0) + 7 * (input.data[1] ?? 0);
  return Float32Array.from(FAKE_LABELS, (_, i) => ((seed * (i + 3)) % 97) / 97);
}

export function fakePostprocess(logits: Float32Array, topK: number): ClassScore[] {
  return Array.from(logits, (score, classId) => ({ classId, label: FAKE_LABELS[classId] ?? '', score }))
    .sort((a, b) => b.score - a.score || a.classId - b.classId)
    .slice(0, topK);
}

export interface FakeClassifierOptions {
  /** Delay of each infer call in ms; default 0. */
  readonly inferMs?: number;
}

export function fakeClassifier(options: FakeClassifierOptions = {}): ReplayClassifier & { calls: number } {
  const self = {
    calls: 0,
    card: { modelName: 'fake', backend: 'onnx', syntheticWeights: true },
    backend: {
      maxBatch: 1,
      infer: async (inputs: readonly ModelInput[]): Promise<Float32Array[]> => {
        self.calls += 1;
        if ((options.inferMs ?? 0) > 0) await new Promise((r) => setTimeout(r, options.inferMs));
        return inputs.map(fakeLogits);
      },
    },
    preprocess: fakePreprocess,
    postprocess: fakePostprocess,
  };
  return self;
}
