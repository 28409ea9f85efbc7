/**
 * Iterates `source` while already reading up to `depth` items ahead, so that reading the bag (file I/O on the
 * libuv pool, chunk parsing) overlaps with the pipeline's work instead of waiting for room in the window first.
 * Errors surface at the position where they happened. `depth` default 2. Meant for async generators, which
 * queue overlapping next() calls and answer `done` to calls after the end.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth = 2): AsyncGenerator<T, void, void> {
  const iterator = source[Symbol.asyncIterator]();
  const buffer: Promise<IteratorResult<T>>[] = [];
  let ended = false;
  const fill = (): void => {
    while (!ended && buffer.length < depth) {
      const next = iterator.next();
      buffer.push(next);
      // Stop asking once the source is done or failed; the failure is re-raised in order below.
      next.then(
        (r) => {
          if (r.done === true) ended = true;
        },
        () => {
          ended = true;
        },
      );
    }
  };
  try {
    fill();
    for (;;) {
      const head = buffer.shift();
      if (head === undefined) return;
      const result = await head;
      if (result.done === true) return;
      fill();
      yield result.value;
    }
  } finally {
    if (!ended) await iterator.return?.();
  }
}
