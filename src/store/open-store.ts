import { DogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";
import { createFileBackend, fileStoreRoot } from "./file-store.js";
import { lazyBackend } from "./lazy-backend.js";
import { parseS3Url, s3ObjectUrl, s3Secrets, s3Settings } from "./s3-settings.js";
import { createRunStore } from "./store.js";
import type { RunStore } from "./types.js";

/** Opens the store at `url`: file://DIR (relative to deps.cwd) or s3://bucket/prefix. */
export const openStore = (url: string, deps: Pick<Deps, "cwd" | "env" | "log" | "signal">): RunStore => {
  if (url.startsWith("file://"))
    return createRunStore(createFileBackend(fileStoreRoot(url, deps.cwd)), deps.log);
  if (url.startsWith("s3://")) {
    // The URL and the settings are checked now; the AWS SDK is loaded when the store is first used.
    const location = parseS3Url(url);
    const settings = s3Settings(deps.env);
    const secrets = s3Secrets(deps.env);
    const backend = lazyBackend(
      s3ObjectUrl(location, ""),
      (key) => s3ObjectUrl(location, key),
      async () => {
        const [{ createS3Client }, { createS3Backend }] = await Promise.all([
          import("./s3-client.js"),
          import("./s3-store.js"),
        ]);
        return createS3Backend({
          url,
          client: createS3Client(settings),
          secrets,
          ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
          signal: deps.signal,
        });
      },
    );
    return createRunStore(backend, deps.log);
  }
  throw new DogdriverError("invalid_config", `store "${url}": expected file://DIR or s3://bucket/prefix`);
};
