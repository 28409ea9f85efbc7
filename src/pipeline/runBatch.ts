import { from, isObservable, Observable, take, type Subscription } from 'rxjs';
import type { ClassScore } from '../core/classification';
import { ErrorCodes, isEdgenextError } from '../core/errors';
import type { ModelInput } from '../core/preprocessing';
import type { PipelineContext } from './context';
import type { Outcome, WorkItem } from './sourceState';
import type { DropCause } from './types';

const PREPROCESS_CAUSES: Partial<Record<string, DropCause>> = {
  [ErrorCodes.decodeError]: 'decode_error',
  [ErrorCodes.malformedFrame]: 'malformed',
  [ErrorCodes.unsupportedEncoding]: 'unsupported_encoding',
};

function preprocessCause(error: unknown): DropCause {
  return (isEdgenextError(error) && PREPROCESS_CAUSES[error.code]) || 'preprocess_error';
}

function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** A sync value, a Promise or an Observable, as an Observable of its first value. */
function once<T>(value: T | PromiseLike<T> | Observable<T>): Observable<T> | T {
  if (isObservable(value)) return value.pipe(take(1));
  if (isPromiseLike<T>(value)) return from(value);
  return value;
}

/**
 * One call slot's work, just in time: preprocesses the batch's frames (taken from their buffers a moment ago),
 * drops those that went stale meanwhile, runs one backend call and postprocesses its results. Emits one outcome
 * per frame (null scores for a dropped one, counted by cause), then completes. Unsubscribing cancels the
 * preprocessing and the call and counts the unfinished frames as 'shutdown'.
 */
export function runBatch(items: readonly WorkItem[], ctx: PipelineContext): Observable<Outcome> {
  return new Observable<Outcome>((subscriber) => {
    const subs: Subscription[] = [];
    const dropped = (item: WorkItem, cause: DropCause, error?: unknown): void => {
      if (item.done) return;
      ctx.fail(item, cause, error);
      subscriber.next({ item, scores: null, postprocessMs: 0 });
    };
    let callFrames = 0;
    const endCall = (): void => {
      if (callFrames === 0) return;
      ctx.backend.inflightCalls -= 1;
      ctx.backend.inflightFrames -= callFrames;
      callFrames = 0;
    };
    const teardown = (): void => {
      for (const sub of subs) sub.unsubscribe();
      endCall();
      for (const item of items) ctx.fail(item, 'shutdown');
    };
    if (ctx.shuttingDown) {
      for (const item of items) dropped(item, 'shutdown');
      subscriber.complete();
      return teardown;
    }

    const infer = (): void => {
      const now = ctx.clock();
      const ready: WorkItem[] = [];
      for (const item of items) {
        if (item.done) continue;
        if (ctx.isStale(item.refMs)) {
          ctx.reportStale(item.src, item.refMs);
          dropped(item, 'stale');
        } else ready.push(item);
      }
      if (ready.length === 0) {
        subscriber.complete();
        return;
      }
      const inputs: ModelInput[] = [];
      for (const item of ready) if (item.input) inputs.push(item.input);
      ctx.backend.frames += ready.length;
      ctx.backend.inflightCalls += 1;
      ctx.backend.inflightFrames += ready.length;
      callFrames = ready.length;
      const failCall = (error: unknown): void => {
        endCall();
        ctx.backend.batches += 1;
        ctx.backend.errors += 1;
        for (const item of ready) dropped(item, 'backend_error', error);
        subscriber.complete();
      };
      let output: ReturnType<PipelineContext['deps']['backend']['infer']>;
      try {
        output = ctx.deps.backend.infer(inputs);
      } catch (error) {
        failCall(error);
        return;
      }
      let answered = false;
      const result = isObservable(output) ? output.pipe(take(1)) : from(output);
      subs.push(
        result.subscribe({
          next: (logits) => {
            answered = true;
            if (!Array.isArray(logits) || logits.length !== ready.length) {
              const got = Array.isArray(logits) ? logits.length : typeof logits;
              failCall(new Error(`backend returned ${got} results for ${ready.length} inputs`));
              return;
            }
            endCall();
            ctx.backend.batches += 1;
            const inferenceMs = ctx.clock() - now;
            ready.forEach((item, i) => {
              item.inferenceMs = inferenceMs;
              item.src.inferred += 1;
              const start = ctx.clock();
              let scores: readonly ClassScore[];
              try {
                scores = ctx.deps.postprocess(logits[i] ?? new Float32Array(0), ctx.options.topK);
              } catch (error) {
                dropped(item, 'postprocess_error', error);
                return;
              }
              const postprocessMs = ctx.clock() - start;
              ctx.settle(item);
              subscriber.next({ item, scores, postprocessMs });
            });
            subscriber.complete();
          },
          error: (error: unknown) => failCall(error),
          complete: () => {
            if (!answered) failCall(new Error('backend completed without a result'));
          },
        }),
      );
    };

    // Just-in-time preprocessing: the frames left their buffers only now that a call slot is free.
    let pending = items.length;
    const preprocessed = (): void => {
      pending -= 1;
      if (pending === 0) infer();
    };
    const startMs = ctx.clock();
    for (const item of items) {
      item.queueMs = startMs - item.enqueuedMs;
      const frame = item.frame;
      if (frame === undefined) {
        dropped(item, 'preprocess_error', new Error('frame released before preprocessing'));
        preprocessed();
        continue;
      }
      const accept = (input: ModelInput): void => {
        item.input = input;
        item.frame = undefined;
        item.preprocessMs = ctx.clock() - startMs;
        preprocessed();
      };
      let output: ModelInput | Observable<ModelInput>;
      try {
        output = once(ctx.deps.preprocess(frame.image));
      } catch (error) {
        dropped(item, preprocessCause(error), error);
        preprocessed();
        continue;
      }
      if (!isObservable(output)) {
        accept(output);
        continue;
      }
      let emitted = false;
      subs.push(
        output.subscribe({
          next: (input) => {
            emitted = true;
            accept(input);
          },
          error: (error: unknown) => {
            dropped(item, preprocessCause(error), error);
            preprocessed();
          },
          complete: () => {
            if (emitted) return;
            dropped(item, 'preprocess_error', new Error('preprocess completed without a model input'));
            preprocessed();
          },
        }),
      );
    }
    return teardown;
  });
}
