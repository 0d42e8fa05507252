// The load test and its requirements are code from a repository (and from a package index): dogdriver's own
// credentials are not their business. Molotov and pip get the environment without them.
const SECRET_ENV =
  /^(DD_API_KEY|DD_APP_KEY|DD_APPLICATION_KEY|DATADOG_API_KEY|DATADOG_APP_KEY|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_ACCESS_KEY_ID)$/;

/** The environment minus dogdriver's Datadog keys and AWS credentials, for the processes that run test code. */
export const childEnv = (env: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && !SECRET_ENV.test(key)) out[key] = value;
  return out;
};
