import type { Deps } from "../cli/deps.js";
import { DogdriverError } from "../errors.js";
import { createFileBackend, fileStoreRoot } from "./file-store.js";
import { createS3Client, s3Secrets, s3Settings } from "./s3-client.js";
import { createS3Backend } from "./s3-store.js";
import { createRunStore } from "./store.js";
import type { RunStore } from "./types.js";

/** Opens the store at `url`: file://DIR (relative to deps.cwd) or s3://bucket/prefix. */
export const openStore = (url: string, deps: Pick<Deps, "cwd" | "env" | "log" | "signal">): RunStore => {
  if (url.startsWith("file://"))
    return createRunStore(createFileBackend(fileStoreRoot(url, deps.cwd)), deps.log);
  if (url.startsWith("s3://")) {
    const settings = s3Settings(deps.env);
    const backend = createS3Backend({
      url,
      client: createS3Client(settings),
      secrets: s3Secrets(deps.env),
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      signal: deps.signal,
    });
    return createRunStore(backend, deps.log);
  }
  throw new DogdriverError("invalid_config", `store "${url}": expected file://DIR or s3://bucket/prefix`);
};
