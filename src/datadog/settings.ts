import type { Config } from "../config/types.js";
import { DogdriverError } from "../errors.js";
import type { DatadogSettings } from "./types.js";

// Datadog settings from the environment, checked before any request: the site, an optional base URL (a proxy, the
// emulator), the keys. Only explicit settings count (the official client would otherwise read DD_API_KEY and
// DD_SITE from process.env on its own, DATADOG-NOTES §1).

export const DEFAULT_SITE = "datadoghq.com";
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_RETRY_BASE_MS = 1000;
export const DEFAULT_MAX_RETRY_WAIT_MS = 60_000;
/**
 * Largest Datadog answer read. The largest dogdriver asks for is a catalog page of 100 entities with their
 * definitions (each under 16 KiB of dogdriver block) or a dashboard; a query answer over a run's window is far
 * smaller. 4 MiB leaves room for all of them and bounds what a broken proxy can make a run hold.
 */
export const DEFAULT_MAX_ANSWER_BYTES = 4 * 1024 * 1024;

const SITE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

/** Settings from DD_API_KEY, DD_APP_KEY, DD_SITE (else the config's site), DOGDRIVER_DD_URL. */
export const datadogSettingsFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
  config?: Pick<Config, "datadogSite">,
): DatadogSettings => {
  const nonEmpty = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
  const site = nonEmpty(env.DD_SITE) ?? nonEmpty(config?.datadogSite) ?? DEFAULT_SITE;
  if (!SITE.test(site)) {
    throw new DogdriverError(
      "invalid_config",
      `DD_SITE: expected a Datadog site such as datadoghq.com or datadoghq.eu (no scheme or path), got "${site}"`,
    );
  }
  const baseUrl = nonEmpty(env.DOGDRIVER_DD_URL);
  // A proxy URL may carry a password (user:secret@host): it is shown masked, and refused because fetch cannot
  // send it (it would only end up in every error message, which names the URL).
  const shown = baseUrl?.replace(/^(https?:\/\/)[^/@\s]*@/, "$1***@");
  if (baseUrl !== undefined && !/^https?:\/\/[^/\s@]+(\/\S*)?$/.test(baseUrl)) {
    throw new DogdriverError(
      "invalid_config",
      `DOGDRIVER_DD_URL: expected an http(s) base URL without credentials, such as http://127.0.0.1:8126, got "${shown}"`,
    );
  }
  const apiKey = nonEmpty(env.DD_API_KEY);
  const appKey = nonEmpty(env.DD_APP_KEY);
  return {
    ...(apiKey ? { apiKey } : {}),
    ...(appKey ? { appKey } : {}),
    site,
    ...(baseUrl ? { baseUrl: baseUrl.replace(/\/+$/, "") } : {}),
    timeoutMs: DEFAULT_TIMEOUT_MS,
    maxRetries: DEFAULT_MAX_RETRIES,
  };
};
