import { type RunStore, StoreConflictError } from "../store/types.js";
import { parseBlobOr } from "./parse-blob.js";
import type { ClaimBody } from "./types.js";

// A claim says "this aggregator is completing this run until expiresAtMs". It is created with If-None-Match: *
// so only one aggregator wins; a claim whose lease ran out (its owner crashed) is taken over with If-Match on
// the etag read, so two aggregators taking over the same dead claim cannot both win either.

/** Long enough for one aggregate call to finish its runs, short enough that a crash delays them little. */
export const CLAIM_LEASE_MS = 15 * 60_000;

export interface Claim {
  path: string;
  etag: string;
}

/** _dogdriver/claims/<service>/<env>/<started_at>_<id>.json for runs/<service>/<env>/<...>.json. */
export const claimPath = (runKey: string): string => `claims/${runKey.replace(/^runs\//, "")}`;

const parse = (body: string): ClaimBody | undefined => parseBlobOr<ClaimBody | undefined>(body, undefined);

/** Claims a run for `owner`; undefined when another live claim holds it. */
export const claimRun = async (
  store: RunStore,
  runKey: string,
  owner: string,
  nowMs: number,
  leaseMs = CLAIM_LEASE_MS,
): Promise<Claim | undefined> => {
  const path = claimPath(runKey);
  const body = JSON.stringify({
    owner,
    claimedAtMs: nowMs,
    expiresAtMs: nowMs + leaseMs,
  } satisfies ClaimBody);
  try {
    return { path, etag: await store.writeBlob(path, body, { ifNoneMatch: "*" }) };
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
  }
  const current = await store.readBlob(path);
  if (current === undefined) return undefined; // released just now: the run is probably done, look next time
  const held = parse(current.body);
  // Unreadable means caught mid-write (S3-compatible servers without atomic reads): treat it as held.
  if (held === undefined || (held.owner !== owner && held.expiresAtMs > nowMs)) return undefined;
  try {
    return { path, etag: await store.writeBlob(path, body, { ifMatch: current.etag }) };
  } catch (error) {
    if (error instanceof StoreConflictError) return undefined;
    throw error;
  }
};

/** True while the claim is still ours (nobody took it over after our lease ran out). */
export const stillHeld = async (store: RunStore, claim: Claim): Promise<boolean> =>
  (await store.readBlob(claim.path))?.etag === claim.etag;

export const releaseClaim = (store: RunStore, claim: Claim): Promise<void> => store.deleteBlob(claim.path);

/**
 * Deletes claims left by an aggregator that stopped after completing the run but before releasing its claim.
 * Only claims of runs that are no longer pending: nobody takes those over, so no live claim can be deleted.
 */
export const collectDeadClaims = async (store: RunStore, nowMs: number): Promise<number> => {
  let removed = 0;
  for await (const path of store.listBlobs("claims/")) {
    const blob = await store.readBlob(path);
    const held = blob === undefined ? undefined : parse(blob.body);
    if (held === undefined || held.expiresAtMs > nowMs) continue;
    const run = await store.getRun(`runs/${path.slice("claims/".length)}`);
    if (run?.state === "pending") continue;
    await store.deleteBlob(path);
    removed += 1;
  }
  return removed;
};
