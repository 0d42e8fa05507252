import type { ServiceConfig } from "../config/types.js";
import { DogdriverError } from "../errors.js";
import type { Logger } from "../state/deps.js";
import { redactUrl } from "../text/redact-url.js";
import { safeText } from "../text/safe-text.js";

// `verify --endpoint URL`: a canary is reached through a Service of its own while the configured endpoint still
// sends most requests to the stable release, whose version it would also read. The canary's URL replaces the
// endpoint for verify's load tests, and for the version endpoint where that lies under the configured endpoint
// (the default `<endpoint>/__version__` included).

/** The --endpoint URL without its trailing slashes; a usage error (exit 2) when it is not http(s). */
export const checkEndpoint = (endpoint: string | undefined): string | undefined => {
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new DogdriverError(
      "usage",
      `verify: --endpoint expects an http:// or https:// URL, got "${safeText(redactUrl(endpoint), 200)}"`,
    );
  return endpoint.replace(/\/+$/, "");
};

/** `service` load-tested at `base` (from checkEndpoint), its version read there when it lies under its endpoint. */
export const atEndpoint = (service: ServiceConfig, base: string | undefined, log: Logger): ServiceConfig => {
  if (base === undefined) return service;
  const from = service.endpoint.replace(/\/+$/, "");
  const versionUrl = service.version.url;
  if (versionUrl === undefined || !versionUrl.startsWith(from)) {
    log.warn(
      `verify ${service.name}/${service.env}: the deployed version is read from ${versionUrl === undefined ? `the configured "${service.version.fixed}"` : redactUrl(versionUrl)}, not from --endpoint ${redactUrl(base)}: make sure it is the canary's`,
    );
    return { ...service, endpoint: base };
  }
  return {
    ...service,
    endpoint: base,
    version: { ...service.version, url: base + versionUrl.slice(from.length) },
  };
};
