import type { RunStore } from "./types.js";

// At most `limit` store requests in flight through this handle, however the callers nest their parallel loops
// (batches in parallel, records of a batch in parallel): `store_concurrency` is then a real bound on what S3
// (or the disk) sees at once. Each slot is held for one request only, so nested callers cannot deadlock.

export const limitedStore = (store: RunStore, limit: number): RunStore => {
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async <T>(request: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await request();
    } finally {
      const next = waiting.shift();
      if (next)
        next(); // the slot passes straight to the next waiting request
      else running -= 1;
    }
  };
  return {
    ...store,
    url: store.url,
    putRun: (record, options) => slot(() => store.putRun(record, options)),
    getRun: (key) => slot(() => store.getRun(key)),
    readRun: (key) => slot(() => store.readRun(key)),
    readBlob: (path) => slot(() => store.readBlob(path)),
    writeBlob: (path, body, condition) => slot(() => store.writeBlob(path, body, condition)),
    deleteBlob: (path) => slot(() => store.deleteBlob(path)),
    deleteBlobs: (paths) => slot(() => store.deleteBlobs(paths)),
  };
};
