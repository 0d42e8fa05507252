// Rounding for what comparisons report: percentages to 2 decimals, p-values to 2 significant digits (more
// would be false precision).

export const round = (v: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

export const roundP = (p: number): number => (p === 0 ? 0 : Number(p.toPrecision(2)));
