// Reducing a Datadog time series to one run's window. Datadog stamps each rollup bucket with its start, so a
// bucket at t covers [t, t + interval). A bucket counts for a run in proportion to how much of the run's
// window [startMs, endMs) it covers: a time-weighted mean, exact when the bucket edges match the window.

export interface Buckets {
  timesMs: number[];
  values: (number | null)[];
  intervalMs: number;
}

export interface WindowStats {
  mean: number | null;
  min: number | null;
  max: number | null;
}

export const windowStats = (series: readonly Buckets[], startMs: number, endMs: number): WindowStats => {
  let weighted = 0;
  let weight = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  // A run shorter than a second (or with equal start and end) still gets the bucket it falls in.
  const end = Math.max(endMs, startMs + 1);
  for (const { timesMs, values, intervalMs } of series) {
    timesMs.forEach((t, i) => {
      const value = values[i];
      if (value === null || value === undefined || !Number.isFinite(value)) return;
      const overlap = Math.min(end, t + intervalMs) - Math.max(startMs, t);
      if (overlap <= 0) return;
      weighted += value * overlap;
      weight += overlap;
      min = Math.min(min, value);
      max = Math.max(max, value);
    });
  }
  if (weight === 0) return { mean: null, min: null, max: null };
  return { mean: weighted / weight, min, max };
};

/** The spacing Datadog actually used (it may enlarge the requested interval); undefined with < 2 points. */
export const effectiveIntervalMs = (timesMs: readonly number[]): number | undefined => {
  let smallest: number | undefined;
  for (let i = 1; i < timesMs.length; i++) {
    const step = (timesMs[i] ?? 0) - (timesMs[i - 1] ?? 0);
    if (step > 0 && (smallest === undefined || step < smallest)) smallest = step;
  }
  return smallest;
};
