import type { ClassScore } from '../core/classification';
import type { ImageInput } from '../core/image';
import { readImageFile } from '../image';
import type { Classifier } from './openClassifier';

export interface ImageClassification {
  /** The k best classes, best first. */
  readonly topK: readonly ClassScore[];
  readonly preprocessMs: number;
  readonly inferenceMs: number;
}

/**
 * Classifies one image: a file path (JPEG, PNG, WebP), or an image already in memory (a raw frame or compressed
 * bytes). Throws EdgenextError naming the problem when the image cannot be read or decoded, or the backend fails.
 */
export async function classifyImage(
  classifier: Classifier,
  image: string | ImageInput,
  topK = 5,
): Promise<ImageClassification> {
  const started = performance.now();
  const input = await classifier.preprocess(typeof image === 'string' ? await readImageFile(image) : image);
  const preprocessed = performance.now();
  const [logits] = await classifier.backend.infer([input]);
  const inferred = performance.now();
  if (logits === undefined) throw new Error('the backend returned no output');
  return {
    topK: classifier.postprocess(logits, topK),
    preprocessMs: preprocessed - started,
    inferenceMs: inferred - preprocessed,
  };
}
