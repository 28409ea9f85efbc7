import type { PipelineOptions, PipelineDeps, ClassificationPipeline } from './types';
import { PipelineEngine } from './PipelineEngine';

/**
 * Builds a pipeline. `options` is validated first (EdgenextError 'invalid_argument' on a bad value); the
 * effective batch size is min(options.maxBatch, deps.backend.maxBatch).
 */
export function createPipeline(options: Partial<PipelineOptions>, deps: PipelineDeps): ClassificationPipeline {
  return new PipelineEngine(options, deps);
}
