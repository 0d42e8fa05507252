import type { ObjectBackend } from "./types.js";

// A backend built on first use: openStore stays synchronous, and the AWS SDK (0.15-0.3 s to load, more on a busy
// machine) is imported only by a command whose store is s3://, never for a file:// store.

/** A backend whose `load` runs at the first operation; `url` and `describe` answer without it. */
export const lazyBackend = (
  url: string,
  describe: (key: string) => string,
  load: () => Promise<ObjectBackend>,
): ObjectBackend => {
  let loading: Promise<ObjectBackend> | undefined;
  const backend = () => {
    loading ??= load();
    return loading;
  };
  return {
    url,
    describe,
    get: async (key) => (await backend()).get(key),
    put: async (key, body, condition) => (await backend()).put(key, body, condition),
    delete: async (key) => (await backend()).delete(key),
    async *listPages(prefix) {
      yield* (await backend()).listPages(prefix);
    },
    async *readBodies(pages) {
      yield* (await backend()).readBodies(pages);
    },
    async *children(prefix) {
      yield* (await backend()).children(prefix);
    },
    // Closes the backend once it is loaded, if it ever was; a load that failed has nothing to close.
    close: () =>
      void loading?.then(
        (b) => b.close(),
        () => {},
      ),
  };
};
