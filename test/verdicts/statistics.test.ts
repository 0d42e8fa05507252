import { describe, expect, it } from "vitest";
import {
  incompleteBeta,
  logGamma,
  normalCdf,
  normalUpperQuantile,
  studentTTwoSided,
  studentTUpperQuantile,
} from "../../src/verdicts/distributions.js";
import { bestEnergySplit, eDivisiveMeans } from "../../src/verdicts/e-divisive.js";
import { hodgesLehmannShift } from "../../src/verdicts/hodges-lehmann.js";
import { median, medianInPlace } from "../../src/verdicts/median.js";
import { medianPolishResiduals } from "../../src/verdicts/median-polish.js";
import { pooledScale } from "../../src/verdicts/pooled-scale.js";
import { releaseContrast } from "../../src/verdicts/two-way-fit.js";
import { welchTTest } from "../../src/verdicts/welch-t-test.js";

// Expected values are from SciPy 1.17 (scipy.stats / scipy.special) unless the comment says otherwise.

describe("distributions", () => {
  it("matches SciPy's normal, t and incomplete beta", () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 6); // stats.norm.cdf(1.96)
    expect(normalUpperQuantile(0.025)).toBeCloseTo(1.959964, 5); // stats.norm.isf(0.025)
    expect(studentTTwoSided(2.228, 10)).toBeCloseTo(0.0500118, 6); // 2*stats.t.sf(2.228, 10)
    expect(studentTTwoSided(1.5, 3.5)).toBeCloseTo(0.2178182, 6); // fractional df, as Welch's
    expect(studentTUpperQuantile(0.025, 10)).toBeCloseTo(2.2281389, 6); // stats.t.ppf(0.975, 10)
    expect(studentTUpperQuantile(0.005, 30)).toBeCloseTo(2.7499957, 6); // stats.t.ppf(0.995, 30)
    expect(incompleteBeta(0.5, 2, 3)).toBeCloseTo(0.6875, 9); // special.betainc(2, 3, 0.5)
    expect(logGamma(10.5)).toBeCloseTo(13.9406252, 7); // special.gammaln(10.5)
  });
});

describe("medians", () => {
  it("takes the middle value, or the mean of the two middle ones (R type 7)", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe("pooledScale (Shamos)", () => {
  it("is 1.0483 x the median within-group absolute difference", () => {
    // pairs |1-2|, |1-4|, |2-4|, |10-13| = 1, 3, 2, 3 -> median 2.5
    const { sigma, df } = pooledScale([1, 2, 4, 10, 13, 7], [0, 3, 5, 6], 3);
    expect(sigma).toBeCloseTo(1.0483 * 2.5, 10);
    expect(df).toBe(3);
  });

  it("has no estimate without a pair", () => {
    expect(pooledScale([1, 2], [0, 1, 2], 2).sigma).toBeNaN();
  });
});

describe("Welch t-test", () => {
  it("matches stats.ttest_ind(equal_var=False)", () => {
    const r = welchTTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);
    expect(r.t).toBeCloseTo(1.8973666, 6);
    expect(r.df).toBeCloseTo(5.8823529, 6);
    expect(r.pValue).toBeCloseTo(0.1075312, 6);
  });
});

describe("two-way least squares release contrast", () => {
  // Releases 0 (older), 1 (baseline), 2 (candidate) at sources a and b; expected from numpy.linalg on the same
  // design (baseline as reference level).
  const rows = [
    [0, "a", 1.0],
    [0, "a", 1.2],
    [0, "b", 2.0],
    [0, "b", 2.1],
    [1, "a", 1.1],
    [1, "a", 0.9],
    [1, "b", 2.05],
    [2, "a", 1.5],
    [2, "b", 2.4],
    [2, "b", 2.6],
  ] as const;
  // Sources as numbers (a 0, b 1), every run in the fit.
  const columns = (list: readonly (readonly [number, string, number])[]) => ({
    release: list.map(([release]) => release),
    source: list.map(([, source]) => (source === "a" ? 0 : 1)),
    value: list.map(([, , value]) => value),
  });
  const all = (n: number) => new Array<number>(n).fill(1);

  it("estimates candidate - baseline with its variance factor, residual SD and df", () => {
    const fit = releaseContrast(columns(rows), all(rows.length), rows.length, 1, 2);
    expect(fit?.estimate).toBeCloseTo(0.4857143, 6);
    expect(fit?.varianceFactor).toBeCloseTo(0.7142857, 6);
    expect(fit?.sigma).toBeCloseTo(0.1072751, 6);
    expect(fit?.df).toBe(6);
    expect(fit?.maxInfluence).toBeCloseTo(0.4285714, 6);
  });

  it("is undefined when no source links the two releases", () => {
    const apart = [
      [0, "a", 1],
      [0, "a", 1.1],
      [1, "b", 2],
      [1, "b", 2.2],
    ] as const;
    expect(releaseContrast(columns(apart), all(4), 4, 0, 1)).toBeUndefined();
  });

  it("fits only the runs the mask includes", () => {
    // Without the candidate's 2.6 at b: the estimate moves, the df drops by one.
    const mask = all(rows.length);
    mask[9] = 0;
    const fit = releaseContrast(columns(rows), mask, rows.length, 1, 2);
    expect(fit?.df).toBe(5);
    expect(fit?.estimate).not.toBeCloseTo(0.4857143, 3);
  });
});

describe("Hodges-Lehmann shift", () => {
  it("is the median of the pairwise differences, and ignores a wild value", () => {
    expect(hodgesLehmannShift([1, 2, 3], [11, 12, 13])).toBe(10);
    expect(hodgesLehmannShift([1, 2, 3], [11, 12, 113])).toBe(10);
    expect(hodgesLehmannShift([0, 0], [1, 3])).toBe(2);
    expect(hodgesLehmannShift([], [1])).toBeNaN();
  });
});

describe("median polish", () => {
  it("removes source and release levels, leaving an outlier's excess", () => {
    // Releases 0 and 1 at sources a (0) and b (1).
    const cells = { release: [0, 0, 1, 1, 1, 1], source: [0, 1, 0, 1, 1, 1], value: [1, 3, 2, 4, 9, 4] };
    const r = medianPolishResiduals(cells, 6, new Float64Array(6));
    expect([...r].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0, 0, 0, 0, 5, 0]);
  });
});

describe("E-divisive means", () => {
  const series = Float64Array.of(
    ...[10.1, 9.9, 10.0, 10.2, 9.8, 10.1, 9.9, 10.0],
    ...[12.0, 12.1, 11.9, 12.2, 11.8, 12.0, 12.1, 11.9],
  );

  it("puts the best split at the level shift", () => {
    expect(bestEnergySplit(series, 4)).toBe(8);
  });

  it("keeps a significant split and finds nothing in a flat series", () => {
    const found = eDivisiveMeans(series, { minSegment: 4, alpha: 0.001 });
    expect(found.map((f) => f.index)).toEqual([8]);
    expect(found[0]?.pValue).toBeLessThan(1e-6);
    expect(eDivisiveMeans(series.slice(0, 8), { minSegment: 4, alpha: 0.001 })).toEqual([]);
  });

  it("finds two shifts by searching each side again", () => {
    const three = Float64Array.of(...series, ...[10.0, 10.1, 9.9, 10.0, 10.2, 9.8, 10.0, 10.1]);
    expect(eDivisiveMeans(three, { minSegment: 4, alpha: 0.001 }).map((f) => f.index)).toEqual([8, 16]);
  });
});

describe("median by selection", () => {
  it("gives the sorted middle (or the mean of the two middle values) for any order, ties and signs", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let n = 1; n <= 60; n++)
      for (let round = 0; round < 20; round++) {
        // Few distinct values half of the time: ties must not move the answer.
        const values = Array.from({ length: n }, () =>
          round % 2 === 0 ? Math.round(next() * 4) - 2 : (next() - 0.5) * 1e3,
        );
        expect(medianInPlace(Float64Array.from(values))).toBe(median(values));
      }
    expect(medianInPlace(new Float64Array(0))).toBeNaN();
  });
});
