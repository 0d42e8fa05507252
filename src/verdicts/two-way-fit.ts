// The release effect of a two-way additive model, value = source level + release level + noise, fitted by
// ordinary least squares (the unbalanced two-way ANOVA without interaction; e.g. S. Weisberg, Applied Linear
// Regression, 4th ed., 2014, ch. 5). It compares releases through every source at once: runs at a source the
// baseline barely used still count, through that source's level learnt from the other releases, so a
// different source mix cannot fake a change. The noise σ comes from all releases' residuals.

export interface Observation {
  release: number;
  source: string;
  value: number;
}

export interface ReleaseContrast {
  /** level(candidate) - level(baseline). */
  estimate: number;
  /** Var(estimate) / σ²: the (candidate, candidate) element of (XᵀX)⁻¹ with the baseline as reference. */
  varianceFactor: number;
  /** Residual SD, √(RSS / df). */
  sigma: number;
  /** n - parameters. */
  df: number;
  /**
   * The largest weight of one run in the estimate (the estimate is Σ weight_i · value_i). In a plain two-sample
   * comparison of m and n runs it is max(1/m, 1/n); when one run is the only link between the releases at its
   * source it approaches 1, and that run alone (an outlier, say) would decide the verdict.
   */
  maxInfluence: number;
  /** Index (in the observations) of the run with that weight. */
  heaviest: number;
  /** Fitted value of the baseline at each source: a run's deviation from it is its release's effect + noise. */
  baselineLevels: Map<string, number>;
}

/**
 * Fits the model and returns candidate - baseline, or undefined when that contrast is not estimable
 * (no source links the two releases, directly or through other releases) or no degree of freedom is left.
 */
export const releaseContrast = (
  observations: readonly Observation[],
  baseline: number,
  candidate: number,
): ReleaseContrast | undefined => {
  const sources = [...new Set(observations.map((o) => o.source))];
  const releases = [...new Set(observations.map((o) => o.release))].filter((r) => r !== baseline);
  if (!releases.includes(candidate) || !observations.some((o) => o.release === baseline)) return undefined;
  const sourceIndex = new Map(sources.map((s, i) => [s, i]));
  const releaseIndex = new Map(releases.map((r, i) => [r, sources.length + i]));
  const p = sources.length + releases.length;
  const df = observations.length - p;
  if (df < 1) return undefined;
  // Normal equations XᵀX β = Xᵀy; each row has a 1 in its source's column and in its release's (the baseline
  // is the reference level, so its column is absent and β[candidate] is the contrast itself).
  const xtx = Array.from({ length: p }, () => new Float64Array(p));
  const xty = new Float64Array(p);
  const columns = (o: Observation): number[] => {
    const s = sourceIndex.get(o.source) as number;
    const r = releaseIndex.get(o.release);
    return r === undefined ? [s] : [s, r];
  };
  for (const o of observations) {
    const cols = columns(o);
    for (const i of cols) {
      xty[i] = (xty[i] as number) + o.value;
      for (const j of cols) (xtx[i] as Float64Array)[j] = ((xtx[i] as Float64Array)[j] as number) + 1;
    }
  }
  const inverse = invert(xtx);
  if (inverse === undefined) return undefined;
  const beta = inverse.map((row) => row.reduce((s, v, j) => s + v * (xty[j] as number), 0));
  const c = releaseIndex.get(candidate) as number;
  const contrastRow = inverse[c] as number[];
  let rss = 0;
  let maxInfluence = 0;
  let heaviest = 0;
  observations.forEach((o, k) => {
    const cols = columns(o);
    const fitted = cols.reduce((s, i) => s + (beta[i] as number), 0);
    rss += (o.value - fitted) ** 2;
    const weight = Math.abs(cols.reduce((s, i) => s + (contrastRow[i] as number), 0));
    if (weight > maxInfluence) {
      maxInfluence = weight;
      heaviest = k;
    }
  });
  return {
    estimate: beta[c] as number,
    varianceFactor: (inverse[c] as number[])[c] as number,
    sigma: Math.sqrt(rss / df),
    df,
    maxInfluence,
    heaviest,
    baselineLevels: new Map(sources.map((s, i) => [s, beta[i] as number])),
  };
};

/** Gauss-Jordan inversion with partial pivoting; undefined when singular (a contrast is not estimable). */
const invert = (matrix: readonly Float64Array[]): number[][] | undefined => {
  const n = matrix.length;
  const a = matrix.map((row) => Array.from(row));
  const inv = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)),
  );
  const at = (m: number[][], r: number): number[] => m[r] as number[];
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(at(a, r)[col] as number) > Math.abs(at(a, pivot)[col] as number)) pivot = r;
    if (Math.abs(at(a, pivot)[col] as number) < 1e-9) return undefined;
    [a[col], a[pivot]] = [at(a, pivot), at(a, col)];
    [inv[col], inv[pivot]] = [at(inv, pivot), at(inv, col)];
    const ac = at(a, col);
    const ic = at(inv, col);
    const d = ac[col] as number;
    for (let j = 0; j < n; j++) {
      ac[j] = (ac[j] as number) / d;
      ic[j] = (ic[j] as number) / d;
    }
    for (let r = 0; r < n; r++) {
      const f = at(a, r)[col] as number;
      if (r === col || f === 0) continue;
      const ar = at(a, r);
      const ir = at(inv, r);
      for (let j = 0; j < n; j++) {
        ar[j] = (ar[j] as number) - f * (ac[j] as number);
        ir[j] = (ir[j] as number) - f * (ic[j] as number);
      }
    }
  }
  return inv;
};
