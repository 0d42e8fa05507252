import { createReadStream } from "node:fs";
import { resolve } from "node:path";
import { DogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";

// Reads JSON Lines from a file or standard input, one line at a time, with line numbers for messages.

/** A record is well under this; a longer line is a wrong file (a binary, a pretty-printed JSON dump). */
export const MAX_LINE_CHARS = 1024 * 1024;

export interface Line {
  number: number;
  text: string;
}

async function* chunksOf(
  file: string,
  deps: Pick<Deps, "cwd" | "stdin">,
): AsyncGenerator<Uint8Array | string> {
  if (file === "-") {
    yield* deps.stdin;
    return;
  }
  const stream = createReadStream(resolve(deps.cwd, file));
  try {
    yield* stream;
  } catch (error) {
    throw new DogdriverError("invalid_input", `${file}: cannot read (${(error as Error).message})`);
  }
}

/** The lines of `file` ("-" for standard input), without line ends and a leading byte-order mark. */
export async function* readLines(file: string, deps: Pick<Deps, "cwd" | "stdin">): AsyncGenerator<Line> {
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  let number = 0;
  const tooLong = () =>
    new DogdriverError(
      "invalid_input",
      `${file}: line ${number + 1} is longer than ${MAX_LINE_CHARS} characters`,
    );
  for await (const chunk of chunksOf(file, deps)) {
    pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let end = pending.indexOf("\n");
    while (end !== -1) {
      number++;
      yield { number, text: clean(pending.slice(0, end), number) };
      pending = pending.slice(end + 1);
      end = pending.indexOf("\n");
    }
    if (pending.length > MAX_LINE_CHARS) throw tooLong();
  }
  pending += decoder.decode();
  if (pending.length > 0) yield { number: number + 1, text: clean(pending, number + 1) };
}

const clean = (line: string, number: number): string => {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  return number === 1 && text.startsWith("\uFEFF") ? text.slice(1) : text;
};
