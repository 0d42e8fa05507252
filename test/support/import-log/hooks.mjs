// Module resolution hooks (they run on the loader's own thread): record each resolved URL, change nothing.
import { appendFileSync } from "node:fs";

let log;

export const initialize = (data) => {
  log = data?.log;
};

export const resolve = async (specifier, context, next) => {
  const resolved = await next(specifier, context);
  if (log) appendFileSync(log, `${resolved.url}\n`);
  return resolved;
};
