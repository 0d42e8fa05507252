import { type RunStore, StoreConflictError, unchangedSince } from "../store/types.js";
import { parseBlobOr } from "./parse-blob.js";
import type { ClaimBody } from "./types.js";

// A claim says "this aggregator is completing the settled runs of this service/env until expiresAtMs": one
// object per service/env, _dogdriver/leases/<service>/<env>.json, so a batch of runs costs one claim and one
// release instead of three requests per run.
//
// It is optimistic: the aggregator reads the lease BEFORE it reads the service/env's records, and claims with
// If-Match on the version it read (If-None-Match: * when there was none). Whoever claimed or released the lease
// in between (and so may have completed some of those runs) changed its version, so the claim fails and the
// runs are left for the next call. That is why a lease is released by rewriting it, never deleted: a delete
// and a re-create could bring back the version "absent" an aggregator read before them.

/** Long enough for one aggregate call to finish its runs, short enough that a crash delays them little. */
export const CLAIM_LEASE_MS = 15 * 60_000;

export interface Claim {
  path: string;
  etag: string;
}

/** The lease as read before the records: what a claim must find unchanged. */
export interface LeaseSeen {
  path: string;
  etag?: string;
  /** Held by a live lease of another aggregator: its runs are not ours to complete now. */
  heldElsewhere: boolean;
}

export const leasePath = (service: string, env: string): string => `leases/${service}/${env}.json`;

const parse = (body: string): ClaimBody | undefined => parseBlobOr<ClaimBody | undefined>(body, undefined);

/** Reads the lease of a service/env before its records are read. */
export const readLease = async (
  store: RunStore,
  service: string,
  env: string,
  owner: string,
  nowMs: number,
): Promise<LeaseSeen> => {
  const path = leasePath(service, env);
  const current = await store.readBlob(path);
  if (current === undefined) return { path, heldElsewhere: false };
  const held = parse(current.body);
  // Unreadable means caught mid-write (S3-compatible servers without atomic reads): treat it as held.
  const heldElsewhere = held === undefined || (held.owner !== owner && held.expiresAtMs > nowMs);
  return { path, etag: current.etag, heldElsewhere };
};

/** Claims the batch for `owner`; undefined when the lease changed since `seen` (another aggregator was here). */
export const claimBatch = async (
  store: RunStore,
  seen: LeaseSeen,
  owner: string,
  nowMs: number,
  leaseMs = CLAIM_LEASE_MS,
): Promise<Claim | undefined> => {
  if (seen.heldElsewhere) return undefined;
  const body = JSON.stringify({
    owner,
    claimedAtMs: nowMs,
    expiresAtMs: nowMs + leaseMs,
  } satisfies ClaimBody);
  try {
    return { path: seen.path, etag: await store.writeBlob(seen.path, body, unchangedSince(seen.etag)) };
  } catch (error) {
    if (error instanceof StoreConflictError) return undefined;
    throw error;
  }
};

/** True while the claim is still ours (nobody took it over after our lease ran out). */
export const stillHeld = async (store: RunStore, claim: Claim): Promise<boolean> =>
  (await store.readBlob(claim.path))?.etag === claim.etag;

/** Frees the lease (a rewrite, see above); a lease somebody took over meanwhile is theirs and left alone. */
export const releaseClaim = async (store: RunStore, claim: Claim, nowMs: number): Promise<void> => {
  const body = JSON.stringify({ owner: "", claimedAtMs: nowMs, expiresAtMs: 0 } satisfies ClaimBody);
  try {
    await store.writeBlob(claim.path, body, { ifMatch: claim.etag });
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
  }
};

/**
 * Deletes per-run claims (_dogdriver/claims/…) that versions before the batch leases left behind once their
 * runs were finished; nothing creates them any more. One listing per call, empty once they are gone.
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
