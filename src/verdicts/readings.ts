import { inSubset, type MetricContext, type Subset } from "./metric-context.js";
import { type ReleaseContrast, releaseContrast } from "./two-way-fit.js";
import type { Float64Buffer } from "./workspace.js";

// A reading of the runs: which samples enter the fit (a mask), and the fit. The main reading fits every sample
// of the subset that is not an outlier; a guard's second reading fits another set (guards.ts).

export interface Reading {
  fit: ReleaseContrast;
  /** The baseline's and the candidate's samples in the fit. */
  nb: number;
  nc: number;
  /** 1 for the samples in the fit. */
  mask: Uint8Array;
}

/** The fit of the samples `mask` marks, or undefined when it cannot estimate the release contrast. */
export const fitReading = (c: MetricContext, mask: Uint8Array): Reading | undefined => {
  const s = c.samples;
  const fit = releaseContrast(
    { value: s.x, release: s.release, source: s.source },
    mask,
    s.n,
    c.b,
    c.a,
    c.buffers.fit,
  );
  if (fit === undefined) return undefined;
  return { fit, nb: countIn(c, mask, c.b), nc: countIn(c, mask, c.a), mask };
};

const countIn = (c: MetricContext, mask: Uint8Array, release: number): number => {
  let count = 0;
  const end = c.samples.releaseStart[release + 1] as number;
  for (let j = c.samples.releaseStart[release] as number; j < end; j++) count += mask[j] as number;
  return count;
};

/** Each fitted sample of `release` as its deviation from the fitted baseline level at its source. */
export const deviations = (
  c: MetricContext,
  reading: Reading,
  release: number,
  out: Float64Buffer,
): Float64Array => {
  const s = c.samples;
  const from = s.releaseStart[release] as number;
  const to = s.releaseStart[release + 1] as number;
  const values = out.view(to - from);
  let k = 0;
  for (let j = from; j < to; j++)
    if (reading.mask[j] === 1)
      values[k++] = (s.x[j] as number) - (reading.fit.baselineLevels[s.source[j] as number] as number);
  return values.subarray(0, k);
};

/** Marks, in `mask`, every sample of the subset for which `keep` holds. */
export const fillSubset = (
  c: MetricContext,
  subset: Subset,
  mask: Uint8Array,
  keep: (j: number) => boolean,
): void => {
  for (let j = 0; j < c.samples.n; j++) mask[j] = inSubset(c, subset, j) && keep(j) ? 1 : 0;
};

/** The main reading: every sample of the subset that is not an outlier, in the first mask. */
export const mainReading = (c: MetricContext, subset: Subset): Reading | undefined => {
  const mask = (c.buffers.masks[0] as (typeof c.buffers.masks)[number]).view(c.samples.n);
  fillSubset(c, subset, mask, (j) => c.samples.outlier[j] === 0);
  return fitReading(c, mask);
};
