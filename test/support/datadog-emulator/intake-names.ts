// What Datadog's intake does to names it receives (docs metrics/custom_metrics, getting_started/tagging): characters
// outside the allowed set become "_", tags are lowercased except the values of host and device.

export const intakeMetricName = (name: string): string => name.replace(/[^A-Za-z0-9_.]/g, "_");

export const intakeTag = (tag: string): string => {
  const colon = tag.indexOf(":");
  const key = colon === -1 ? tag : tag.slice(0, colon);
  const keepCase = key === "host" || key === "device";
  const cleaned = tag.replace(/[^\p{L}\p{N}_\-:./]/gu, "_");
  return keepCase ? `${key.toLowerCase()}${cleaned.slice(key.length)}` : cleaned.toLowerCase();
};

export const intakeTags = (tags: readonly string[]): string[] => [...new Set(tags.map(intakeTag))].sort();
