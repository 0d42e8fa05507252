/**
 * Applies `fn` to every item with at most `concurrency` calls in flight and yields the results in input
 * order. Reading 100,000 records one at a time is latency-bound (S3 round trips); all at once exhausts
 * sockets and file descriptors.
 */
export async function* mapOrdered<T, R>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const window: Promise<R>[] = [];
  try {
    for await (const item of items) {
      const pending = fn(item);
      // Rejections are observed when the promise reaches the head of the window; until then, keep Node from
      // reporting them as unhandled.
      pending.catch(() => {});
      window.push(pending);
      if (window.length >= concurrency) yield await (window.shift() as Promise<R>);
    }
    while (window.length > 0) yield await (window.shift() as Promise<R>);
  } finally {
    // A consumer that stops early (or a failed read) must not leave reads running unobserved.
    await Promise.allSettled(window);
  }
}
