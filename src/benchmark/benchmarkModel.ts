import { readFileSync } from 'node:fs';
import type { RawImage } from '../core/image';
import { inspectOnnxModel } from '../graph';
import { loadModelCatalog, findModelEntry } from '../model/modelCatalog';
import { backendLabel } from '../runtime/backendLabel';
import { openClassifier, type ClassifierOptions } from '../runtime/openClassifier';
import type { BenchRow } from './formatZooTable';
import { measureLoad, type BenchStop } from './measureLoad';

export interface BenchmarkOptions {
  readonly name: string;
  readonly classifier: ClassifierOptions;
  readonly warmup: number;
  readonly stop: BenchStop;
  /** Stream counts for the multi-stream measurement (the zoo's threads), in order. */
  readonly streams: readonly number[];
  /** Called as each measurement starts, and with its progress (0..1). */
  readonly onMeasurement?: (what: string) => void;
  readonly onProgress?: (fraction: number) => void;
}

/** A mid-grey frame: the input does not change the work a classifier does, so any picture measures the same. */
function greyFrame(width: number, height: number): RawImage {
  return {
    kind: 'raw',
    width,
    height,
    encoding: 'rgb8',
    step: width * 3,
    data: new Uint8Array(width * height * 3).fill(127),
  };
}

/**
 * Opens the model with as many workers (ONNX) or tasks in flight (BPU) as the largest stream count and batch 1,
 * then measures inference alone (a preprocessed input, no decoding): one stream, then each stream count.
 */
export async function benchmarkModel(options: BenchmarkOptions): Promise<BenchRow> {
  const maxStreams = Math.max(1, ...options.streams);
  const classifier = await openClassifier({ ...options.classifier, maxInflight: maxStreams, maxBatch: 1 });
  try {
    const { card } = classifier;
    const input = await classifier.preprocess(greyFrame(card.inputWidth, card.inputHeight));
    const infer = (): Promise<Float32Array[]> => classifier.backend.infer([input]);
    const measure = async (streams: number) => {
      options.onMeasurement?.(`${options.name} N=${streams}`);
      return measureLoad(infer, {
        streams,
        warmup: options.warmup,
        stop: options.stop,
        ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
      });
    };
    const single = await measure(1);
    const multi = [];
    // N = 1 is the single-stream measurement itself; measuring it twice would only show noise.
    for (const streams of options.streams) multi.push(streams === 1 ? single : await measure(streams));
    const entry = findModelEntry(loadModelCatalog(options.classifier.catalogPath), card.catalogEntry);
    const paramsM =
      card.backend === 'onnx'
        ? inspectOnnxModel(readFileSync(card.modelFile)).initializerElementCount / 1e6
        : undefined;
    return {
      name: options.name,
      catalogEntry: card.catalogEntry,
      modelName: card.modelName,
      ranOn: backendLabel(classifier),
      syntheticWeights: card.syntheticWeights,
      ...(paramsM !== undefined ? { paramsM } : {}),
      ...(entry?.x5Reference !== undefined ? { x5: entry.x5Reference } : {}),
      single,
      multi,
    };
  } finally {
    await classifier.close();
  }
}
