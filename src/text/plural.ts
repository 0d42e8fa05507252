/** "1 run", "3 runs"; `many` for words whose plural is not an added "s" ("query", "queries"). */
export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;
