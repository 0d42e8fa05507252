// Normal and Student t distribution functions, for p-values and confidence intervals.
// Methods: W. H. Press et al., Numerical Recipes in C, 2nd ed. (1992): erfc by Chebyshev fitting (§6.2,
// `erfcc`, fractional error < 1.2e-7), ln Γ by the Lanczos approximation (§6.1, `gammln`), the regularized
// incomplete beta function by its continued fraction with the modified Lentz method (§6.4, `betai`/`betacf`).

/** Standard normal upper tail Q(z) = 1 - Φ(z). */
export const normalUpperTail = (z: number): number => 0.5 * erfc(z / Math.SQRT2);

/** Standard normal CDF Φ(z). */
export const normalCdf = (z: number): number => 1 - normalUpperTail(z);

const erfc = (x: number): number => {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
};

const LANCZOS = [
  76.18009172947146, -86.50532032941678, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2,
  -0.5395239384953e-5,
];

/** ln Γ(x) for x > 0. */
export const logGamma = (x: number): number => {
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const c of LANCZOS) {
    y += 1;
    ser += c / y;
  }
  return -tmp + Math.log((2.5066282746310007 * ser) / x);
};

const betaContinuedFraction = (a: number, b: number, x: number): number => {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 3e-16) break;
  }
  return h;
};

/** Regularized incomplete beta I_x(a, b). */
export const incompleteBeta = (x: number, a: number, b: number): number => {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
};

/** P(|T| >= |t|) for Student's t with `df` degrees of freedom (df may be fractional, as Welch's). */
export const studentTTwoSided = (t: number, df: number): number => {
  if (!Number.isFinite(t)) return 0;
  if (df > 1e7) return 2 * normalUpperTail(Math.abs(t));
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
};

/** P(F >= f) for Snedecor's F with (d1, d2) degrees of freedom. */
export const fUpperTail = (f: number, d1: number, d2: number): number => {
  if (!(f > 0)) return 1;
  if (!Number.isFinite(f)) return 0;
  return incompleteBeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);
};

// Reports ask for the same few (p, df) pairs thousands of times; each bisection costs ~100 incomplete betas.
const quantileCache = new Map<number, Map<number, number>>();
let cachedQuantiles = 0;

/** The t with P(T > t) = p (0 < p < 0.5), by bisection on the two-sided tail. */
export const studentTUpperQuantile = (p: number, df: number): number => {
  let byDf = quantileCache.get(p);
  if (byDf === undefined) {
    byDf = new Map();
    quantileCache.set(p, byDf);
  }
  const cached = byDf.get(df);
  if (cached !== undefined) return cached;
  const q = bisectT(p, df);
  if (cachedQuantiles++ < 10_000) byDf.set(df, q);
  return q;
};

const bisectT = (p: number, df: number): number => {
  let lo = 0;
  let hi = 1;
  while (studentTTwoSided(hi, df) > 2 * p) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (studentTTwoSided(mid, df) > 2 * p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
};

/** The z with Q(z) = p (0 < p < 1), by bisection. */
export const normalUpperQuantile = (p: number): number => {
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (normalUpperTail(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
};
