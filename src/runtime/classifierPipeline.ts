import { createPipeline, type ClassificationPipeline, type PipelineDeps, type PipelineOptions } from '../pipeline';
import type { Classifier } from './openClassifier';

/**
 * The frame pipeline wired to a classifier's backend, preprocessing and postprocessing: add frame sources
 * (RxJS Observables of Frame) and read classifications from `results`. `deps` adds a clock, scheduler or logger.
 */
export function classifierPipeline(
  classifier: Pick<Classifier, 'backend' | 'preprocess' | 'postprocess'>,
  options: Partial<PipelineOptions> = {},
  deps: Omit<PipelineDeps, 'backend' | 'preprocess' | 'postprocess'> = {},
): ClassificationPipeline {
  return createPipeline(options, {
    ...deps,
    backend: classifier.backend,
    preprocess: (image) => classifier.preprocess(image),
    postprocess: (logits, topK) => classifier.postprocess(logits, topK),
  });
}
