/**
 * Applies `fn` to every item with at most `concurrency` calls in flight and yields the results in input
 * order. Reading 100,000 records one at a time is latency-bound (S3 round trips); all at once exhausts
 * sockets and file descriptors. Up to `lookahead` finished results may wait behind a slow one at the head,
 * so that one slow call does not stop new calls from starting (0: a call starts only when the head is taken).
 */
export async function* mapOrdered<T, R>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<R>,
  lookahead = 0,
): AsyncGenerator<R> {
  const source: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const window: { promise: Promise<R>; settled: boolean }[] = [];
  let running = 0;
  let exhausted = false;
  let wake: (() => void) | undefined;
  try {
    for (;;) {
      while (!exhausted && running < concurrency && window.length < concurrency + lookahead) {
        const next = await source.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const entry = { promise: fn(next.value), settled: false };
        const settle = () => {
          entry.settled = true;
          running--;
          wake?.();
        };
        // Also keeps Node from reporting a rejection as unhandled before it reaches the head of the window.
        entry.promise.then(settle, settle);
        running++;
        window.push(entry);
      }
      const head = window[0];
      if (!head) return;
      // Nothing more can start while the window is full or the items are used up: wait for the head itself.
      if (head.settled || exhausted || window.length >= concurrency + lookahead) {
        window.shift();
        yield await head.promise;
      } else {
        // All `concurrency` calls are running and the window has room: start the next when any finishes.
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    }
  } finally {
    // A consumer that stops early (or a failed call) must not leave calls running unobserved.
    await Promise.allSettled(window.map((entry) => entry.promise));
    if (!exhausted) await source.return?.();
  }
}
