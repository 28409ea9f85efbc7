import { Observable } from 'rxjs';
import type { SourceState } from './sourceState';

/**
 * A pulled source: the next frame is read from `frames` only while `lane`'s buffer has room, so a reader (a bag, a
 * file list) goes exactly as fast as the pipeline takes frames, holds at most a buffer's worth, and never has a
 * frame dropped for lack of room. Unsubscribing stops reading and closes the iterator.
 */
export function pullWhenRoom<T>(frames: AsyncIterable<T>, lane: SourceState): Observable<T> {
  return new Observable<T>((subscriber) => {
    const iterator = frames[Symbol.asyncIterator]();
    let reading = false;
    let stopped = false;
    const read = async (): Promise<void> => {
      if (reading || stopped) return;
      reading = true;
      try {
        while (!stopped && lane.queue.length < lane.queue.capacity) {
          const next = await iterator.next();
          if (stopped) return;
          if (next.done === true) {
            stopped = true;
            subscriber.complete();
            return;
          }
          subscriber.next(next.value);
        }
      } catch (error) {
        stopped = true;
        subscriber.error(error);
      } finally {
        reading = false;
      }
    };
    lane.onRoom = () => void read();
    void read();
    return () => {
      const wasReading = !stopped;
      stopped = true;
      lane.onRoom = undefined;
      if (wasReading) void iterator.return?.();
    };
  });
}
