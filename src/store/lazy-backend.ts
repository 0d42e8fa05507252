import { DogdriverError } from "../errors.js";
import type { ObjectBackend } from "./types.js";

// A backend built on first use: openStore stays synchronous, and the AWS SDK (about 0.15 s to import here, more on a
// busy machine) is imported only by a command whose store is s3://, never for a file:// store.

/** A backend whose `load` runs at the first operation; `url` and `describe` answer without it. */
export const lazyBackend = (
  url: string,
  describe: (key: string) => string,
  load: () => Promise<ObjectBackend>,
): ObjectBackend => {
  let loading: Promise<ObjectBackend> | undefined;
  let closed = false;
  const closedError = () => new DogdriverError("store", `${url}: used after it was closed`);
  const backend = async () => {
    if (closed) throw closedError();
    loading ??= load().then((b) => {
      // Closed while it loaded: close it at once, and the operations waiting for it fail with a clear message
      // rather than on a destroyed client.
      if (!closed) return b;
      b.close();
      throw closedError();
    });
    return loading;
  };
  return {
    url,
    describe,
    get: async (key) => (await backend()).get(key),
    put: async (key, body, condition) => (await backend()).put(key, body, condition),
    delete: async (key) => (await backend()).delete(key),
    deleteMany: async (keys) => (await backend()).deleteMany(keys),
    async *listPages(prefix) {
      yield* (await backend()).listPages(prefix);
    },
    async *readBodies(pages) {
      yield* (await backend()).readBodies(pages);
    },
    async *children(prefix) {
      yield* (await backend()).children(prefix);
    },
    close: () => {
      if (closed) return;
      closed = true;
      // A loaded backend is closed now; one still loading closes itself above; a failed load has nothing to close.
      void loading?.then(
        (b) => b.close(),
        () => {},
      );
    },
  };
};
