import type { PipelineOptions, PipelineDeps, ClassificationPipeline } from './types';
import { Pipeline } from './Pipeline';

/**
 * Builds a pipeline. `options` is validated first (EdgenextError 'invalid_argument' on a bad value); the
 * effective batch size is min(options.maxBatch, deps.backend.maxBatch).
 */
export function createPipeline<P = undefined>(
  options: Partial<PipelineOptions>,
  deps: PipelineDeps<P>,
): ClassificationPipeline<P> {
  return new Pipeline<P>(options, deps);
}
