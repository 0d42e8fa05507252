// A parser for the metric query forms dogdriver issues:
//   avg|sum|min|max|count:metric{tag:value,!tag:value,tag:prefix*,*} [by {tag,...}] [.rollup(avg|sum|min|max|count[, s])]
//   arithmetic (+ - * /) with constants or other queries, parentheses, count_nonzero(...) and abs(...),
//   and, in formulas, query names ("a * 1000").
// Unsupported syntax is an error that quotes the query, as Datadog answers 400 for a query it cannot parse.

export type SpaceAggregator = "avg" | "sum" | "min" | "max" | "count";
const spaceAggregators = new Set(["avg", "sum", "min", "max", "count"]);
const functions = new Set(["count_nonzero", "abs"]);

export interface TagFilter {
  key: string;
  /** undefined: the bare tag `key` must be present. A trailing "*" matches a prefix. */
  value?: string;
  negated: boolean;
}

export type QueryNode =
  | { kind: "number"; value: number }
  | { kind: "ref"; name: string }
  | {
      kind: "metric";
      space: SpaceAggregator;
      metric: string;
      filters: TagFilter[];
      by: string[];
      rollup?: { aggregator: SpaceAggregator; seconds?: number };
    }
  | { kind: "binary"; op: "+" | "-" | "*" | "/"; left: QueryNode; right: QueryNode }
  | { kind: "call"; fn: string; arg: QueryNode };

export class QuerySyntaxError extends Error {}

export const parseQuery = (text: string, allowRefs = false): QueryNode => {
  let pos = 0;
  const fail = (what: string): never => {
    throw new QuerySyntaxError(`Error parsing query: ${what} at position ${pos} in '${text}'`);
  };
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos] ?? "")) pos += 1;
  };
  const peek = () => {
    skip();
    return text[pos] ?? "";
  };
  const expect = (c: string) => {
    if (peek() !== c) fail(`expected '${c}'`);
    pos += 1;
  };
  const word = (): string => {
    skip();
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(pos));
    if (!m) return fail("expected a name");
    pos += m[0].length;
    return m[0];
  };
  const braced = (): string[] => {
    expect("{");
    const end = text.indexOf("}", pos);
    if (end === -1) fail("unclosed '{'");
    const inner = text.slice(pos, end);
    pos = end + 1;
    return inner
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  };
  const filter = (raw: string): TagFilter => {
    const negated = raw.startsWith("!");
    const tag = negated ? raw.slice(1) : raw;
    const colon = tag.indexOf(":");
    return colon === -1
      ? { key: tag, negated }
      : { key: tag.slice(0, colon), value: tag.slice(colon + 1), negated };
  };
  const metricQuery = (space: string): QueryNode => {
    if (!spaceAggregators.has(space)) fail(`unknown aggregator '${space}'`);
    expect(":");
    skip();
    const m = /^[A-Za-z][A-Za-z0-9_.]*/.exec(text.slice(pos));
    if (!m) return fail("expected a metric name");
    pos += m[0].length;
    const metric = m[0].replace(/\.$/, "");
    const filters = braced()
      .filter((s) => s !== "*")
      .map(filter);
    let by: string[] = [];
    let rollup: { aggregator: SpaceAggregator; seconds?: number } | undefined;
    for (;;) {
      skip();
      if (text.startsWith("by", pos) && /^by\s*\{/.test(text.slice(pos))) {
        pos += 2;
        by = braced();
      } else if (text.startsWith(".rollup(", pos)) {
        pos += ".rollup(".length;
        const aggregator = word();
        if (!spaceAggregators.has(aggregator)) fail(`unknown rollup '${aggregator}'`);
        let seconds: number | undefined;
        if (peek() === ",") {
          pos += 1;
          seconds = number();
        }
        expect(")");
        rollup = { aggregator: aggregator as SpaceAggregator, ...(seconds === undefined ? {} : { seconds }) };
      } else if (text.startsWith(".as_count()", pos) || text.startsWith(".as_rate()", pos)) {
        pos = text.indexOf(")", pos) + 1;
      } else break;
    }
    return {
      kind: "metric",
      space: space as SpaceAggregator,
      metric,
      filters,
      by,
      ...(rollup ? { rollup } : {}),
    };
  };
  const number = (): number => {
    skip();
    const m = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos));
    if (!m) return fail("expected a number");
    pos += m[0].length;
    return Number(m[0]);
  };
  const primary = (): QueryNode => {
    const c = peek();
    if (c === "(") {
      pos += 1;
      const inner = additive();
      expect(")");
      return inner;
    }
    if (c === "-") {
      pos += 1;
      return { kind: "binary", op: "*", left: { kind: "number", value: -1 }, right: primary() };
    }
    if (/[0-9]/.test(c)) return { kind: "number", value: number() };
    const name = word();
    const next = peek();
    if (next === ":") return metricQuery(name);
    if (next === "(") {
      if (!functions.has(name)) fail(`unsupported function '${name}'`);
      pos += 1;
      const arg = additive();
      expect(")");
      return { kind: "call", fn: name, arg };
    }
    if (allowRefs) return { kind: "ref", name };
    return fail(`unexpected '${name}'`);
  };
  const multiplicative = (): QueryNode => {
    let left = primary();
    while (peek() === "*" || peek() === "/") {
      const op = text[pos] as "*" | "/";
      pos += 1;
      left = { kind: "binary", op, left, right: primary() };
    }
    return left;
  };
  const additive = (): QueryNode => {
    let left = multiplicative();
    while (peek() === "+" || peek() === "-") {
      const op = text[pos] as "+" | "-";
      pos += 1;
      left = { kind: "binary", op, left, right: multiplicative() };
    }
    return left;
  };
  const tree = additive();
  if (peek() !== "") fail(`unexpected '${text.slice(pos)}'`);
  return tree;
};
