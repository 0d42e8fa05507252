import { studentTTwoSided } from "./distributions.js";

// Welch's unequal-variances t-test. B. L. Welch, "The generalization of 'Student's' problem when several
// different population variances are involved", Biometrika 34 (1947); df by the Welch-Satterthwaite equation.

export interface TTestResult {
  /** mean(y) - mean(x) */
  difference: number;
  t: number;
  df: number;
  /** Two-sided. 1 when both samples are constant and equal, 0 when constant and different. */
  pValue: number;
}

const meanVar = (v: ArrayLike<number>): [number, number] => {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum = sum + (v[i] as number);
  const mean = sum / v.length;
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss = ss + ((v[i] as number) - mean) ** 2;
  return [mean, v.length > 1 ? ss / (v.length - 1) : 0];
};

/** Welch's t-test of y against x (each needs ≥ 2 values). */
export const welchTTest = (x: ArrayLike<number>, y: ArrayLike<number>): TTestResult => {
  const [mx, vx] = meanVar(x);
  const [my, vy] = meanVar(y);
  const sx = vx / x.length;
  const sy = vy / y.length;
  const difference = my - mx;
  const se = Math.sqrt(sx + sy);
  if (se === 0)
    return {
      difference,
      t: difference === 0 ? 0 : Math.sign(difference) * Infinity,
      df: Infinity,
      pValue: difference === 0 ? 1 : 0,
    };
  const df = (sx + sy) ** 2 / (sx ** 2 / (x.length - 1) + sy ** 2 / (y.length - 1));
  const t = difference / se;
  return { difference, t, df, pValue: studentTTwoSided(t, df) };
};
