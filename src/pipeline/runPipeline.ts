import type { Observable } from 'rxjs';
import { createPipeline } from './createPipeline';
import type { Classified, Frame, PipelineDeps, PipelineOptions, PipelineStatsSnapshot } from './types';

/**
 * Options for a source that must lose nothing (a bag at full speed, a file list): a FIFO buffer `depth` deep
 * (default: enough to keep every call slot busy with full batches), which a pulled source never overfills.
 */
export function losslessOptions(options: PipelineOptions, depth?: number): PipelineOptions {
  const queueDepth = depth ?? Math.max(4, 2 * options.maxInflight * options.maxBatch);
  return { ...options, queuePolicy: 'drop_newest', queueDepth };
}

export interface RunPipelineConfig<P> {
  readonly options: Partial<PipelineOptions>;
  readonly deps: PipelineDeps<P>;
  /** Source name -> frames: pushed (Observable) or pulled when there is room (AsyncIterable). */
  readonly sources: ReadonlyMap<string, Observable<Frame<P>> | AsyncIterable<Frame<P>>>;
  /** Every result, in frame order per source, as it is published. */
  readonly onResult: (result: Classified<P>) => void;
  /** How long running calls may take at the end. Default: the pipeline's shutdown default. */
  readonly shutdownTimeoutMs?: number;
}

/**
 * Runs finite sources through one pipeline to the end (the drivers that are not a long-lived node: `classify`,
 * `replay`, the bench): every frame is classified or dropped and counted, then the pipeline shuts down. Resolves
 * with the final statistics. Throws EdgenextError 'invalid_argument' for bad options before reading anything.
 */
export async function runPipeline<P>(config: RunPipelineConfig<P>): Promise<PipelineStatsSnapshot> {
  const pipeline = createPipeline<P>(config.options, config.deps);
  const subscription = pipeline.results.subscribe({ next: config.onResult });
  try {
    for (const [name, frames] of config.sources) pipeline.addSource(name, frames);
    await pipeline.drained();
    return pipeline.stats();
  } finally {
    await pipeline.shutdown(
      config.shutdownTimeoutMs !== undefined ? { timeoutMs: config.shutdownTimeoutMs } : undefined,
    );
    subscription.unsubscribe();
  }
}
