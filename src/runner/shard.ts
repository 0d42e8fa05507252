import { createHash } from "node:crypto";
import { DogdriverError } from "../errors.js";

// `run --all --shard I/N`: which services this runner takes. Rendezvous (highest random weight) hashing: each
// service goes to the shard whose hash of (shard, service, env) is highest. A service's shard depends on nothing
// but its own name, env and N, so a restart takes the same share, a new service moves no other, and going from N
// to N+1 shards moves only the ~1/(N+1) that the new shard wins (Thaler & Ravishankar, "Using name-based mappings
// to increase hit rates", IEEE/ACM ToN 6(1), 1998).

export interface Shard {
  /** 1-based, as written on the command line ("1/4" … "4/4"). */
  index: number;
  count: number;
}

const weight = (shard: number, key: string): bigint =>
  createHash("sha256").update(`${shard}\0${key}`).digest().readBigUInt64BE(0);

/** The 1-based shard that owns `name/env` among `count`. */
export const shardOf = (name: string, env: string, count: number): number => {
  const key = `${name}\0${env}`;
  let best = 1;
  let bestWeight = -1n;
  for (let shard = 1; shard <= count; shard += 1) {
    const w = weight(shard, key);
    if (w > bestWeight) [best, bestWeight] = [shard, w];
  }
  return best;
};

/** The services of `shard` (all of them without one), in their given order. */
export const takeShard = <T extends { name: string; env: string }>(
  services: readonly T[],
  shard?: Shard,
): T[] =>
  shard === undefined
    ? [...services]
    : services.filter((s) => shardOf(s.name, s.env, shard.count) === shard.index);

const MAX_SHARDS = 10_000;

/**
 * "I/N" (1 ≤ I ≤ N), or "index/N" to read I from JOB_COMPLETION_INDEX, the 0-based index Kubernetes gives each pod
 * of an Indexed Job (so index 0 is shard 1/N).
 */
export const parseShard = (text: string, env: Readonly<Record<string, string | undefined>>): Shard => {
  const usage = (why: string) =>
    new DogdriverError(
      "usage",
      `--shard ${JSON.stringify(text)}: ${why} (expected I/N such as 1/4, or index/N)`,
    );
  const match = /^(\d+|index)\/(\d+)$/.exec(text.trim());
  if (!match) throw usage("not a shard");
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SHARDS) throw usage(`N must be 1 to ${MAX_SHARDS}`);
  if (match[1] === "index") {
    const raw = env.JOB_COMPLETION_INDEX;
    if (raw === undefined || !/^\d+$/.test(raw)) {
      throw usage(
        `JOB_COMPLETION_INDEX is ${raw === undefined ? "not set" : `"${raw.slice(0, 20)}"`} (a Kubernetes Indexed Job sets it)`,
      );
    }
    const index = Number(raw) + 1;
    if (index > count)
      throw usage(`JOB_COMPLETION_INDEX ${raw} is not below N (${count}): set completions to N`);
    return { index, count };
  }
  const index = Number(match[1]);
  if (index < 1 || index > count) throw usage(`I must be 1 to ${count}`);
  return { index, count };
};
