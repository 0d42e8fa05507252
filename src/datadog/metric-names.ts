import { DogdriverError } from "../errors.js";
import { METRIC_NAME_MAX_LENGTH, TAG_MAX_LENGTH } from "./limits.js";

// Datadog's naming rules. A metric name that breaks them is an error naming it: Datadog would rewrite it and the
// dashboards and monitors built on the intended name would show nothing. Tags are normalised the way Datadog's
// intake does it (lowercase except host/device values, other characters to "_"), so what dogdriver queries is what
// Datadog stores. Sources: docs metrics/custom_metrics#naming-custom-metrics, getting_started/tagging#define-tags.

const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.]*$/;

/** Throws unless `name` is a metric name Datadog keeps as it is. */
export const checkMetricName = (name: string): string => {
  if (!METRIC_NAME.test(name) || name.length > METRIC_NAME_MAX_LENGTH) {
    throw new DogdriverError(
      "invalid_input",
      `metric name "${name}": expected a letter followed by ASCII letters, digits, "_" or "." (at most ${METRIC_NAME_MAX_LENGTH} characters)`,
    );
  }
  return name;
};

/** The tag as Datadog stores it; throws when no normalisation can make it valid. */
export const normaliseTag = (tag: string): string => {
  const colon = tag.indexOf(":");
  const key = colon === -1 ? tag : tag.slice(0, colon);
  const cleaned = tag.replace(/[^\p{L}\p{N}_\-:./]/gu, "_");
  const keepsCase = key === "host" || key === "device";
  const out = keepsCase ? `${key}${cleaned.slice(key.length)}` : cleaned.toLowerCase();
  if (!/^\p{L}/u.test(out) || out.endsWith(":") || out.length > TAG_MAX_LENGTH) {
    throw new DogdriverError(
      "invalid_input",
      `tag "${tag}": expected key:value starting with a letter, not ending with ":", at most ${TAG_MAX_LENGTH} characters`,
    );
  }
  return out;
};

export const normaliseTags = (tags: readonly string[]): string[] => [...new Set(tags.map(normaliseTag))];
