// The dashboard rolls each per-run series up to the runner's period so that, at short time ranges, every
// bucket holds at most one run and the line joins run to run instead of showing isolated dots between empty
// buckets (Datadog's fill() cannot bridge gaps over 600 s). At long ranges Datadog widens the interval itself.

const FALLBACK_SECONDS = 3600;

const everyN = (field: string): number | undefined => {
  if (field === "*") return 1;
  const step = /^(?:\*|0)\/(\d+)$/.exec(field);
  return step ? Number(step[1]) : undefined;
};

const isFixed = (field: string): boolean => /^\d+$/.test(field);

/** The period in seconds of a cron expression of the common "every N minutes/hours/days" forms, else 1 h. */
export const runIntervalSeconds = (cron: string): number => {
  const fields = cron.trim().split(/\s+/);
  // node-schedule accepts a leading seconds field; it does not change the period of these forms.
  const [minute, hour, day, month, weekday] = fields.length === 6 ? fields.slice(1) : fields;
  if (minute === undefined || hour === undefined || month !== "*" || weekday !== "*") return FALLBACK_SECONDS;
  const minutes = everyN(minute);
  if (minutes !== undefined && hour === "*" && day === "*") return minutes * 60;
  const hours = everyN(hour);
  if (isFixed(minute) && hours !== undefined && day === "*") return hours * 3600;
  const days = everyN(day ?? "");
  if (isFixed(minute) && isFixed(hour) && days !== undefined) return days * 86_400;
  return FALLBACK_SECONDS;
};
