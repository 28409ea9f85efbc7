import type { TestScheduler } from 'rxjs/testing';
import { BoundedQueue } from '../../../src/pipeline/boundedQueue';
import { PipelineContext } from '../../../src/pipeline/context';
import { SourceState } from '../../../src/pipeline/sourceState';
import type { PipelineDeps, PipelineOptions } from '../../../src/pipeline';
import { fakePostprocess, fakePreprocess, VirtualBackend } from '../fakes';

/** A pipeline context on virtual time with one lane, for the operators that work on the pipeline's own state. */
export function contextWithLane(
  ts: TestScheduler,
  options: Partial<PipelineOptions>,
  deps: Partial<PipelineDeps> = {},
): { ctx: PipelineContext; lane: SourceState; warnings: string[] } {
  const warnings: string[] = [];
  const ctx = new PipelineContext(options, {
    backend: new VirtualBackend(ts),
    preprocess: fakePreprocess,
    postprocess: fakePostprocess,
    scheduler: ts,
    logger: { warn: (m) => warnings.push(m) },
    ...deps,
  });
  const lane = new SourceState('cam', new BoundedQueue(ctx.options.queuePolicy, ctx.options.queueDepth));
  ctx.lanes.push(lane);
  return { ctx, lane, warnings };
}
