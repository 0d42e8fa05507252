// datadog-ci also reads DATADOG_API_KEY, DATADOG_APP_KEY and DATADOG_SITE; a CI that sets those for it works with
// dogdriver too. The DD_* names win when both are set, as the contract names them.

const ALIASES = [
  ["DD_API_KEY", "DATADOG_API_KEY"],
  ["DD_APP_KEY", "DATADOG_APP_KEY"],
  ["DD_SITE", "DATADOG_SITE"],
] as const;

/** The environment with each unset (or empty) DD_* name filled from its DATADOG_* alias. */
export const withDatadogAliases = (
  env: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string | undefined>> => {
  const out = { ...env };
  for (const [name, alias] of ALIASES) if (!out[name]?.trim() && out[alias]?.trim()) out[name] = out[alias];
  return out;
};
