import type { Deps, OutputStream } from "./deps.js";

// Whether to colour what goes to a stream, by the conventions other CLIs follow: NO_COLOR (no-color.org) turns
// colour off, FORCE_COLOR turns it on even into a pipe (as Node, chalk and k6 read it; "0" or "false" means off),
// and otherwise a person must be watching (a TTY). `--no-color` and `--color` set these two for the command.

export const wantsColour = (stream: OutputStream, env: Deps["env"]): boolean => {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !["0", "false"].includes(force.toLowerCase());
  return stream.isTTY;
};
