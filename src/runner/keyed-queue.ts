// One at a time per key within this process. `run --parallel` may test several services whose tests share one
// git checkout or virtualenv in the cache: two `git fetch`es in one repository fail on git's own lock files.

const tails = new Map<string, Promise<unknown>>();

/** Runs `task` after every earlier task of the same key has settled. */
export const oneAtATime = async <T>(key: string, task: () => Promise<T>): Promise<T> => {
  const previous = tails.get(key) ?? Promise.resolve();
  const mine = previous.then(task, task);
  const tail = mine.catch(() => undefined);
  tails.set(key, tail);
  try {
    return await mine;
  } finally {
    if (tails.get(key) === tail) tails.delete(key);
  }
};
