import { type Float64Buffer, float64Buffer, type Int32Buffer, int32Buffer } from "./workspace.js";

// The release effect of a two-way additive model, value = source level + release level + noise, fitted by
// ordinary least squares (the unbalanced two-way ANOVA without interaction; e.g. S. Weisberg, Applied Linear
// Regression, 4th ed., 2014, ch. 5). It compares releases through every source at once: runs at a source the
// baseline barely used still count, through that source's level learnt from the other releases, so a
// different source mix cannot fake a change. The noise σ comes from all releases' residuals.

/** Scratch space of the fit, reused from one fit to the next (its results are copied out). */
export interface FitBuffers {
  sourceColumn: Int32Buffer;
  releaseOrdinal: Int32Buffer;
  xtx: Float64Buffer;
  xty: Float64Buffer;
  inverse: Float64Buffer;
  beta: Float64Buffer;
}

export const fitBuffers = (): FitBuffers => ({
  sourceColumn: int32Buffer(),
  releaseOrdinal: int32Buffer(),
  xtx: float64Buffer(),
  xty: float64Buffer(),
  inverse: float64Buffer(),
  beta: float64Buffer(),
});

/** Runs as columns: run j has `value[j]` at release `release[j]` and source `source[j]` (small integers). */
export interface FitColumns {
  value: ArrayLike<number>;
  release: ArrayLike<number>;
  source: ArrayLike<number>;
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
  /** Index (in the columns) of the run with that weight. */
  heaviest: number;
  /**
   * Fitted value of the baseline at each source (by source number; NaN for a source without a run in the fit):
   * a run's deviation from it is its release's effect + noise.
   */
  baselineLevels: Float64Array;
}

/**
 * Fits the model to the first `n` runs whose `include` is 1 and returns candidate - baseline, or undefined when
 * that contrast is not estimable (no source links the two releases, directly or through other releases) or no
 * degree of freedom is left. Columns are numbered sources first, then releases other than the baseline (the
 * reference level, so that β[candidate] is the contrast itself), each in the order the runs show them.
 */
export const releaseContrast = (
  runs: FitColumns,
  include: ArrayLike<number>,
  n: number,
  baseline: number,
  candidate: number,
  buffers: FitBuffers = fitBuffers(),
): ReleaseContrast | undefined => {
  let sourceCount = 0;
  let releaseCount = 0;
  for (let j = 0; j < n; j++) {
    sourceCount = Math.max(sourceCount, (runs.source[j] as number) + 1);
    releaseCount = Math.max(releaseCount, (runs.release[j] as number) + 1);
  }
  const sourceColumn = buffers.sourceColumn.view(sourceCount).fill(-1);
  const releaseOrdinal = buffers.releaseOrdinal.view(releaseCount).fill(-1);
  let sources = 0;
  let releases = 0;
  let observations = 0;
  let baselineSeen = false;
  for (let j = 0; j < n; j++) {
    if (include[j] !== 1) continue;
    observations++;
    const s = runs.source[j] as number;
    const r = runs.release[j] as number;
    if (sourceColumn[s] === -1) sourceColumn[s] = sources++;
    if (r === baseline) baselineSeen = true;
    else if (releaseOrdinal[r] === -1) releaseOrdinal[r] = releases++;
  }
  if (candidate >= releaseCount || releaseOrdinal[candidate] === -1 || !baselineSeen) return undefined;
  const p = sources + releases;
  const df = observations - p;
  if (df < 1) return undefined;
  const column = (j: number): number => {
    const ordinal = releaseOrdinal[runs.release[j] as number] as number;
    return runs.release[j] === baseline ? -1 : sources + ordinal;
  };
  // Normal equations XᵀX β = Xᵀy; each row has a 1 in its source's column and in its release's.
  const xtx = buffers.xtx.view(p * p).fill(0);
  const xty = buffers.xty.view(p).fill(0);
  for (let j = 0; j < n; j++) {
    if (include[j] !== 1) continue;
    const s = sourceColumn[runs.source[j] as number] as number;
    const r = column(j);
    const value = runs.value[j] as number;
    xty[s] = (xty[s] as number) + value;
    xtx[s * p + s] = (xtx[s * p + s] as number) + 1;
    if (r < 0) continue;
    xtx[s * p + r] = (xtx[s * p + r] as number) + 1;
    xty[r] = (xty[r] as number) + value;
    xtx[r * p + s] = (xtx[r * p + s] as number) + 1;
    xtx[r * p + r] = (xtx[r * p + r] as number) + 1;
  }
  const inverse = invert(xtx, p, buffers);
  if (inverse === undefined) return undefined;
  const beta = buffers.beta.view(p);
  for (let i = 0; i < p; i++) {
    let sum = 0;
    for (let k = 0; k < p; k++) sum = sum + (inverse[i * p + k] as number) * (xty[k] as number);
    beta[i] = sum;
  }
  const c = sources + (releaseOrdinal[candidate] as number);
  let rss = 0;
  let maxInfluence = 0;
  let heaviest = 0;
  for (let j = 0; j < n; j++) {
    if (include[j] !== 1) continue;
    const s = sourceColumn[runs.source[j] as number] as number;
    const r = column(j);
    let fitted = 0 + (beta[s] as number);
    let weight = 0 + (inverse[c * p + s] as number);
    if (r >= 0) {
      fitted = fitted + (beta[r] as number);
      weight = weight + (inverse[c * p + r] as number);
    }
    rss += ((runs.value[j] as number) - fitted) ** 2;
    weight = Math.abs(weight);
    if (weight > maxInfluence) {
      maxInfluence = weight;
      heaviest = j;
    }
  }
  const baselineLevels = new Float64Array(sourceCount).fill(Number.NaN);
  for (let s = 0; s < sourceCount; s++)
    if ((sourceColumn[s] as number) >= 0) baselineLevels[s] = beta[sourceColumn[s] as number] as number;
  return {
    estimate: beta[c] as number,
    varianceFactor: inverse[c * p + c] as number,
    sigma: Math.sqrt(rss / df),
    df,
    maxInfluence,
    heaviest,
    baselineLevels,
  };
};

/** Gauss-Jordan inversion of the p×p row-major matrix (overwritten) with partial pivoting; undefined when singular. */
const invert = (a: Float64Array, p: number, buffers: FitBuffers): Float64Array | undefined => {
  const inv = buffers.inverse.view(p * p).fill(0);
  for (let i = 0; i < p; i++) inv[i * p + i] = 1;
  const swapRows = (m: Float64Array, x: number, y: number) => {
    for (let j = 0; j < p; j++) {
      const t = m[x * p + j] as number;
      m[x * p + j] = m[y * p + j] as number;
      m[y * p + j] = t;
    }
  };
  for (let col = 0; col < p; col++) {
    let pivot = col;
    for (let r = col + 1; r < p; r++)
      if (Math.abs(a[r * p + col] as number) > Math.abs(a[pivot * p + col] as number)) pivot = r;
    if (Math.abs(a[pivot * p + col] as number) < 1e-9) return undefined;
    if (pivot !== col) {
      swapRows(a, col, pivot);
      swapRows(inv, col, pivot);
    }
    const d = a[col * p + col] as number;
    for (let j = 0; j < p; j++) {
      a[col * p + j] = (a[col * p + j] as number) / d;
      inv[col * p + j] = (inv[col * p + j] as number) / d;
    }
    for (let r = 0; r < p; r++) {
      const f = a[r * p + col] as number;
      if (r === col || f === 0) continue;
      for (let j = 0; j < p; j++) {
        a[r * p + j] = (a[r * p + j] as number) - f * (a[col * p + j] as number);
        inv[r * p + j] = (inv[r * p + j] as number) - f * (inv[col * p + j] as number);
      }
    }
  }
  return inv;
};
