// Datadog requests described in words for messages ("creating a monitor"), from the method and path alone, so the
// transport can name the operation in every error without the callers passing it down.

const rules: [method: string, path: RegExp, describe: (m: RegExpExecArray) => string][] = [
  ["POST", /^\/api\/v2\/series$/, () => "submitting metrics"],
  ["GET", /^\/api\/v1\/validate$/, () => "validating the API key"],
  ["POST", /^\/api\/v2\/query\/scalar$/, () => "querying metrics (scalar)"],
  ["POST", /^\/api\/v2\/query\/timeseries$/, () => "querying metrics (timeseries)"],
  ["GET", /^\/api\/v1\/query$/, () => "querying metrics"],
  ["POST", /^\/api\/v1\/events$/, () => "posting an event"],
  ["GET", /^\/api\/v1\/dashboard$/, () => "listing dashboards"],
  ["POST", /^\/api\/v1\/dashboard$/, () => "creating a dashboard"],
  ["GET", /^\/api\/v1\/dashboard\/([^/]+)$/, (m) => `getting dashboard ${m[1]}`],
  ["PUT", /^\/api\/v1\/dashboard\/([^/]+)$/, (m) => `updating dashboard ${m[1]}`],
  ["DELETE", /^\/api\/v1\/dashboard\/([^/]+)$/, (m) => `deleting dashboard ${m[1]}`],
  ["POST", /^\/api\/v1\/monitor\/validate$/, () => "validating a monitor"],
  ["POST", /^\/api\/v1\/monitor\/(\d+)\/validate$/, (m) => `validating monitor ${m[1]}`],
  ["GET", /^\/api\/v1\/monitor\/search$/, () => "searching monitors"],
  ["GET", /^\/api\/v1\/monitor$/, () => "listing monitors"],
  ["POST", /^\/api\/v1\/monitor$/, () => "creating a monitor"],
  ["GET", /^\/api\/v1\/monitor\/(\d+)$/, (m) => `getting monitor ${m[1]}`],
  ["PUT", /^\/api\/v1\/monitor\/(\d+)$/, (m) => `updating monitor ${m[1]}`],
  ["DELETE", /^\/api\/v1\/monitor\/(\d+)$/, (m) => `deleting monitor ${m[1]}`],
  ["GET", /^\/api\/v2\/deployment_gates$/, () => "listing deployment gates"],
  ["POST", /^\/api\/v2\/deployment_gates$/, () => "creating a deployment gate"],
  [
    "GET",
    /^\/api\/v2\/deployment_gates\/([^/]+)\/rules$/,
    (m) => `listing the rules of deployment gate ${m[1]}`,
  ],
  [
    "POST",
    /^\/api\/v2\/deployment_gates\/([^/]+)\/rules$/,
    (m) => `creating a rule of deployment gate ${m[1]}`,
  ],
  [
    "PUT",
    /^\/api\/v2\/deployment_gates\/([^/]+)\/rules\/([^/]+)$/,
    (m) => `updating rule ${m[2]} of deployment gate ${m[1]}`,
  ],
  ["GET", /^\/api\/v2\/catalog\/entity$/, () => "listing the Software Catalog"],
  ["GET", /^\/api\/v2\/services\/definitions$/, () => "listing service definitions"],
];

export const operationName = (method: string, path: string): string => {
  for (const [m, pattern, describe] of rules) {
    const match = m === method ? pattern.exec(path) : null;
    if (match) return describe(match);
  }
  return `${method} ${path}`;
};

/** Operations that need the application key as well as the API key (DATADOG-NOTES §1, auth per operation). */
export const needsAppKey = (method: string, path: string): boolean =>
  !(method === "POST" && (path === "/api/v2/series" || path === "/api/v1/events")) &&
  path !== "/api/v1/validate";

/**
 * Requests that can be sent again after a dropped connection without doing the work twice: reads, full replaces,
 * deletes, queries, validations, and series (a gauge point sent twice keeps one value: last write wins, §2).
 * Creating an event, dashboard or monitor is not: the first attempt may have been done before the connection broke.
 */
export const isIdempotent = (method: string, path: string): boolean =>
  method !== "POST" ||
  path === "/api/v2/series" ||
  path.startsWith("/api/v2/query/") ||
  /^\/api\/v1\/monitor\/(\d+\/)?validate$/.test(path);
