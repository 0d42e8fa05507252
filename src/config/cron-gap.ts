import cronParser from "cron-parser";

const DAY_MS = 86_400_000;
// The shorthands node-schedule accepts (through cron-parser), as the five fields they stand for.
const ALIASES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
// Enough matching days to meet every weekly and monthly pattern at least once; a yearly one needs its second match.
const SPAN_DAYS = 35;
const MAX_DAYS = 400;
// Any fixed date gives the same answer for a repeating pattern; a fixed one keeps the function pure. UTC: the
// gaps are the same in node-schedule's local time except across a DST change, an hour at most.
const FROM = new Date(Date.UTC(2026, 0, 5));

/**
 * The longest wait between two consecutive matches of a cron expression (5 or 6 fields, as node-schedule reads
 * it with cron-parser); undefined when cron-parser cannot read it. Stepping through a week of "*\/5 * * * *" with
 * cron-parser takes seconds, so the times of day come from the parsed fields and only matching days are stepped.
 */
export const longestCronGapMs = (expression: string): number | undefined => {
  const cron = ALIASES[expression.trim().toLowerCase()] ?? expression;
  try {
    const { second, minute, hour } = cronParser.parseExpression(cron, { utc: true }).fields;
    const times = hour
      .flatMap((h) => minute.flatMap((m) => second.map((s) => ((h * 60 + m) * 60 + s) * 1000)))
      .sort((a, b) => a - b);
    const first = times[0] ?? 0;
    const last = times.at(-1) ?? 0;
    let longest = 0;
    for (let i = 1; i < times.length; i += 1)
      longest = Math.max(longest, (times[i] ?? 0) - (times[i - 1] ?? 0));
    const dayFields = cron.trim().split(/\s+/).slice(-3);
    if (dayFields.every((field) => field === "*" || field === "?"))
      return Math.max(longest, DAY_MS - last + first);
    const [dayOfMonth, month, dayOfWeek] = dayFields;
    const days = cronParser.parseExpression(`0 0 ${dayOfMonth} ${month} ${dayOfWeek}`, {
      currentDate: FROM,
      utc: true,
    });
    let previous = days.next().getTime();
    const start = previous;
    for (let n = 1; n < MAX_DAYS && (n < 2 || previous - start < SPAN_DAYS * DAY_MS); n += 1) {
      const day = days.next().getTime();
      longest = Math.max(longest, day - previous - last + first);
      previous = day;
    }
    return longest;
  } catch {
    return undefined;
  }
};
