// Messages list a few items of a list that can hold thousands (a backlog of runs, a fleet's regressions) and
// count the rest; --json gives the whole list.

/** How many items a message shows before it counts the rest. */
const SHOWN = 5;

/** The first few items, and how many more there are. */
export const firstFew = <T>(items: readonly T[]): { few: T[]; more: number } => ({
  few: items.slice(0, SHOWN),
  more: Math.max(0, items.length - SHOWN),
});

/** "a, b, c, d, e, and 340 more (--json lists them all)": the first few joined, then the count of the rest. */
export const listFew = (items: readonly string[], separator: string): string => {
  const { few, more } = firstFew(items);
  return more === 0
    ? few.join(separator)
    : `${few.join(separator)}${separator}and ${more} more (--json lists them all)`;
};
