/**
 * The frame pipeline: bounded per-source buffers, fair round-robin, micro-batching, a limit on work in flight,
 * per-source ordered results and exact drop accounting. Imports only src/core; backend, preprocessing and
 * postprocessing are injected.
 */
export * from './types';
export { DEFAULT_PIPELINE_OPTIONS, validatePipelineOptions } from './validatePipelineOptions';
export { createPipeline } from './createPipeline';
export { classifyFrames, type ClassifyFramesConfig } from './classifyFrames';
export { losslessOptions, runPipeline, type RunPipelineConfig } from './runPipeline';
