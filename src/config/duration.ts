const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The longest duration any setting takes: a week. No timeout, settle or interval dogdriver has means anything
 * beyond that, and "99999999999999999999d" would overflow every timer (Node caps setTimeout at 2^31-1 ms and
 * fires at once past it).
 */
export const MAX_DURATION_MS = 7 * 86_400_000;

/**
 * Parses "500ms", "30s", "10m", "1h", "2d" (or "1h30m") into milliseconds; undefined when it is not one or it
 * is longer than MAX_DURATION_MS.
 */
export const parseDurationMs = (text: string): number | undefined => {
  // A duration is short; a megabyte of digits is not one (and would cost the regex below).
  if (text.length > 64) return undefined;
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.trim()) return undefined;
  const ms = parts.reduce(
    (total, [, amount, unit]) => total + Number(amount) * (UNIT_MS[unit ?? "s"] ?? 0),
    0,
  );
  return ms <= MAX_DURATION_MS ? ms : undefined;
};

/** "10m", "1h30m", "45s": the shortest exact form of a duration, for messages. */
export const formatDuration = (ms: number): string => {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ];
  let rest = Math.round(ms / 1000) * 1000;
  let out = "";
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
};
