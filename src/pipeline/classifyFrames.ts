import { Observable, Subject, type OperatorFunction } from 'rxjs';
import { createPipeline } from './createPipeline';
import type { Classified, Frame, PipelineDeps, PipelineOptions } from './types';
import { validatePipelineOptions } from './validatePipelineOptions';

export interface ClassifyFramesConfig<P = undefined> {
  readonly options: Partial<PipelineOptions>;
  readonly deps: PipelineDeps<P>;
  /** Source name carried by the results. Default 'frames'. */
  readonly sourceName?: string;
}

/**
 * The pipeline as one operator for a single stream (a bag topic, a file list): frames in, results out in frame
 * order. When the input completes, everything buffered is still classified before the output completes; an input
 * error cancels in-flight work and is passed on. Unsubscribing cancels in-flight work and releases every buffer.
 * Throws EdgenextError 'invalid_argument' for bad options when called, before anything is subscribed.
 */
export function classifyFrames<P = undefined>(
  config: ClassifyFramesConfig<P>,
): OperatorFunction<Frame<P>, Classified<P>> {
  const options = validatePipelineOptions(config.options);
  return (input) =>
    new Observable<Classified<P>>((subscriber) => {
      const pipeline = createPipeline<P>(options, config.deps);
      const frames = new Subject<Frame<P>>();
      let finished = false;
      const resultSub = pipeline.results.subscribe({
        next: (result) => subscriber.next(result),
        complete: () => {
          finished = true;
          subscriber.complete();
        },
      });
      pipeline.addSource(config.sourceName ?? 'frames', frames);
      const inputSub = input.subscribe({
        next: (frame) => frames.next(frame),
        error: (error: unknown) => {
          resultSub.unsubscribe();
          void pipeline.shutdown({ timeoutMs: 0 }).then(() => subscriber.error(error));
        },
        complete: () => {
          frames.complete();
          void pipeline.drained().then(() => pipeline.shutdown());
        },
      });
      return () => {
        inputSub.unsubscribe();
        resultSub.unsubscribe();
        if (!finished) void pipeline.shutdown({ timeoutMs: 0 });
      };
    });
}
