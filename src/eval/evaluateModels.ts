import type { RawImage } from '../core/image';
import { errorMessage } from '../core/errors';
import { decodeCompressed, readImageFile } from '../image';
import type { Classifier } from '../runtime/openClassifier';
import type { LabelledImage } from './labelledDataset';

/** A classifier under evaluation and the name its column gets. */
export interface EvalModel {
  readonly name: string;
  readonly classifier: Classifier;
}

export interface ModelScore {
  readonly name: string;
  readonly modelName: string;
  readonly backend: 'onnx' | 'bpu';
  readonly syntheticWeights: boolean;
  readonly top1Correct: number;
  readonly top5Correct: number;
  /** Fractions of the evaluated images (0 when none were). */
  readonly top1: number;
  readonly top5: number;
}

/** How closely two models agree on the same images: the parity check run after quantising. */
export interface PairParity {
  readonly a: string;
  readonly b: string;
  /** Fraction of images where both predict the same top-1 class. */
  readonly top1Agreement: number;
  /** Mean and largest |p_a − p_b| of the two models' own top-1 probabilities. */
  readonly meanTop1ProbabilityDifference: number;
  readonly maxTop1ProbabilityDifference: number;
}

export interface ClassScore {
  readonly classId: number;
  readonly label: string;
  readonly images: number;
  /** Top-1 hits per model, in model order. */
  readonly top1Correct: readonly number[];
}

export interface EvalReport {
  /** Images attempted (after --limit). */
  readonly images: number;
  /** Images every model classified; all figures are over these. */
  readonly evaluated: number;
  readonly unreadable: readonly { readonly file: string; readonly reason: string }[];
  readonly models: readonly ModelScore[];
  readonly pairs: readonly PairParity[];
  /** Per ground-truth class, sorted by class index. */
  readonly perClass: readonly ClassScore[];
}

export interface EvalProgress {
  readonly done: number;
  readonly total: number;
  readonly evaluated: number;
  /** Running top-1 per model (fractions). */
  readonly top1: readonly number[];
}

export interface EvaluateOptions {
  /** After each image, readable or not. */
  readonly onProgress?: (progress: EvalProgress) => void;
  /** An image that could not be read, decoded or classified; it is left out of every figure. */
  readonly onUnreadable?: (file: string, reason: string) => void;
}

interface Prediction {
  readonly top5: readonly number[];
  readonly top1Probability: number;
}

async function predict(model: EvalModel, image: RawImage): Promise<Prediction> {
  const { classifier } = model;
  const input = await classifier.preprocess(image);
  const [logits] = await classifier.backend.infer([input]);
  if (logits === undefined) throw new Error(`${model.name}: the backend returned no output`);
  const top = classifier.postprocess(logits, 5);
  return { top5: top.map((s) => s.classId), top1Probability: top[0]?.score ?? 0 };
}

/**
 * Runs every model over the same images (each decoded once) and scores Top-1 / Top-5 against the ground truth,
 * plus top-1 agreement and top-1 probability differences for every pair of models. An image that fails for any
 * model is reported through `onUnreadable` and left out for all, so the columns compare the same images.
 */
export async function evaluateModels(
  models: readonly EvalModel[],
  images: readonly LabelledImage[],
  labels: readonly string[],
  options: EvaluateOptions = {},
): Promise<EvalReport> {
  const top1 = models.map(() => 0);
  const top5 = models.map(() => 0);
  const pairs: [number, number][] = [];
  for (let a = 0; a < models.length; a++) for (let b = a + 1; b < models.length; b++) pairs.push([a, b]);
  const agree = pairs.map(() => 0);
  const diffSum = pairs.map(() => 0);
  const diffMax = pairs.map(() => 0);
  const perClass = new Map<number, { images: number; top1Correct: number[] }>();
  const unreadable: { file: string; reason: string }[] = [];
  let evaluated = 0;

  for (const [done, sample] of images.entries()) {
    let predictions: Prediction[];
    try {
      const raw = await decodeCompressed(await readImageFile(sample.file));
      predictions = [];
      for (const model of models) predictions.push(await predict(model, raw));
    } catch (error) {
      const reason = errorMessage(error);
      unreadable.push({ file: sample.file, reason });
      options.onUnreadable?.(sample.file, reason);
      options.onProgress?.({
        done: done + 1,
        total: images.length,
        evaluated,
        top1: top1.map((c) => c / Math.max(1, evaluated)),
      });
      continue;
    }
    evaluated++;
    const row = perClass.get(sample.classId) ?? { images: 0, top1Correct: models.map(() => 0) };
    row.images++;
    predictions.forEach((p, m) => {
      if (p.top5[0] === sample.classId) {
        top1[m]!++;
        row.top1Correct[m]!++;
      }
      if (p.top5.includes(sample.classId)) top5[m]!++;
    });
    perClass.set(sample.classId, row);
    pairs.forEach(([a, b], i) => {
      const pa = predictions[a] as Prediction;
      const pb = predictions[b] as Prediction;
      if (pa.top5[0] === pb.top5[0]) agree[i]!++;
      const diff = Math.abs(pa.top1Probability - pb.top1Probability);
      diffSum[i]! += diff;
      diffMax[i] = Math.max(diffMax[i] as number, diff);
    });
    options.onProgress?.({ done: done + 1, total: images.length, evaluated, top1: top1.map((c) => c / evaluated) });
  }

  const fraction = (count: number): number => (evaluated === 0 ? 0 : count / evaluated);
  return {
    images: images.length,
    evaluated,
    unreadable,
    models: models.map((model, m) => ({
      name: model.name,
      modelName: model.classifier.card.modelName,
      backend: model.classifier.card.backend,
      syntheticWeights: model.classifier.card.syntheticWeights,
      top1Correct: top1[m] as number,
      top5Correct: top5[m] as number,
      top1: fraction(top1[m] as number),
      top5: fraction(top5[m] as number),
    })),
    pairs: pairs.map(([a, b], i) => ({
      a: (models[a] as EvalModel).name,
      b: (models[b] as EvalModel).name,
      top1Agreement: fraction(agree[i] as number),
      meanTop1ProbabilityDifference: fraction(diffSum[i] as number),
      maxTop1ProbabilityDifference: diffMax[i] as number,
    })),
    perClass: [...perClass.entries()]
      .sort(([x], [y]) => x - y)
      .map(([classId, row]) => ({ classId, label: labels[classId] ?? String(classId), ...row })),
  };
}
