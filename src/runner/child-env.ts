// The load test, its requirements and its repository are code from elsewhere (a repository, a package index, an
// ssh command in GIT_SSH_COMMAND): dogdriver's credentials are not their business. git, ssh, pip and Molotov get
// an environment built from an allow-list, not the process's minus a few names, so a credential dogdriver
// never heard of (a new SDK variable, a CI token) does not leak either. docs/runner.md lists the names.

/** Names passed as they are: what a shell, git over https/ssh, pip and Python need to work behind a proxy. */
const ALLOWED = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TERM",
  "TZ",
  "LANG",
  "LANGUAGE",
  "TMPDIR",
  "TMP",
  "TEMP",
  "XDG_CACHE_HOME",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "XDG_RUNTIME_DIR",
  "SSH_AUTH_SOCK",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "all_proxy",
]);

/** Prefixes passed as they are: locale, git's and pip's own settings (GIT_SSH_COMMAND, PIP_INDEX_URL...). */
const ALLOWED_PREFIXES = ["LC_", "GIT_", "PIP_"];

/** Never passed, even when named in DOGDRIVER_CHILD_ENV: Datadog's and AWS's credentials. */
const NEVER = /^(DD_|DATADOG_|AWS_)/i;

/**
 * The environment for git, ssh, pip and Molotov: the allow-list, plus the names a user lists in
 * DOGDRIVER_CHILD_ENV (comma-separated: a token their load test reads), minus anything of Datadog's or AWS's.
 */
export const childEnv = (env: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const extra = new Set((env.DOGDRIVER_CHILD_ENV ?? "").split(",").map((name) => name.trim()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || NEVER.test(name)) continue;
    if (ALLOWED.has(name) || extra.has(name) || ALLOWED_PREFIXES.some((p) => name.startsWith(p)))
      out[name] = value;
  }
  return out;
};
