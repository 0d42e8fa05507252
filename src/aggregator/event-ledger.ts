import { createHash } from "node:crypto";
import { MAX_EVENT_AGE_MS } from "../config/defaults.js";
import type { DatadogApi, DatadogEvent } from "../datadog/types.js";
import type { Deps } from "../state/deps.js";
import { type RunStore, StoreConflictError, unchangedSince } from "../store/types.js";
import { CLAIM_LEASE_MS } from "./claims.js";
import { crashPoint } from "./crash-point.js";
import { datadogFailure } from "./datadog-failure.js";
import { parseBlobOr } from "./parse-blob.js";
import type { LedgerBody } from "./types.js";

// Datadog's event API has no idempotency key, so "posted once" is kept in the store: before posting, an
// aggregator creates _dogdriver/events/<id>.json in state "sending" (If-None-Match: *, so only one wins), then
// posts, then records "posted". The one window that stays at-least-once is a crash after Datadog accepted the
// event and before "posted" was written (one HTTP response long): the next aggregator, finding "sending" past
// its lease, posts again. Both copies then carry the same aggregation key, so Datadog groups them as one.

export type PostResult = "posted" | "already" | "too_old" | "rejected" | "busy";

/** The identity of an event: equal inputs give the same id on every machine. */
export const eventId = (...parts: string[]): string =>
  createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);

export const ledgerPath = (id: string): string => `events/${id}.json`;

const parse = (body: string): LedgerBody | undefined => parseBlobOr<LedgerBody | undefined>(body, undefined);

/** True when the ledger says the event was posted (or will never be): no need to queue it again. */
export const isSettled = async (store: RunStore, id: string): Promise<boolean> => {
  const blob = await store.readBlob(ledgerPath(id));
  const state = blob === undefined ? undefined : parse(blob.body)?.state;
  return state === "posted" || state === "too_old" || state === "rejected";
};

export interface PostContext {
  store: RunStore;
  api: DatadogApi;
  deps: Pick<Deps, "env" | "clock">;
  owner: string;
}

/** Posts `event` unless the ledger says it was; throws Datadog's error (the ledger then allows a retry). */
export const postOnce = async (ctx: PostContext, id: string, event: DatadogEvent): Promise<PostResult> => {
  const { store, owner } = ctx;
  const path = ledgerPath(id);
  const nowMs = ctx.deps.clock.now();

  const write = async (
    state: LedgerBody["state"],
    ifEtag: string | undefined,
    reason?: string,
  ): Promise<string | undefined> => {
    const body = JSON.stringify({
      state,
      owner,
      atMs: ctx.deps.clock.now(),
      title: event.title,
      ...(reason ? { reason } : {}),
    } satisfies LedgerBody);
    try {
      return await store.writeBlob(path, body, unchangedSince(ifEtag));
    } catch (error) {
      if (error instanceof StoreConflictError) return undefined;
      throw error;
    }
  };

  const tooOld = event.timestampMs !== undefined && event.timestampMs < nowMs - MAX_EVENT_AGE_MS;
  // Most events are new: create the ledger entry straight away (If-None-Match), and read it only when it exists.
  let sending = tooOld ? undefined : await write("sending", undefined);
  if (sending === undefined) {
    const current = await store.readBlob(path);
    const held = current === undefined ? undefined : parse(current.body);
    // Unreadable: caught mid-write (an S3-compatible server without atomic reads); look again next time.
    if (current !== undefined && held === undefined) return "busy";
    if (held?.state === "posted" || held?.state === "too_old" || held?.state === "rejected") return "already";
    if (held?.state === "sending" && held.owner !== owner && held.atMs + CLAIM_LEASE_MS > nowMs)
      return "busy";
    if (tooOld) return (await write("too_old", current?.etag)) === undefined ? "busy" : "too_old";
    sending = await write("sending", current?.etag);
    if (sending === undefined) return "busy";
  }
  crashPoint(ctx.deps, "event-sending");
  try {
    await ctx.api.postEvent(event);
  } catch (error) {
    // Refused for good (a 400: nothing will change on retry) or for now (the next call tries again).
    if (!datadogFailure(error).transient) {
      await write("rejected", sending, datadogFailure(error).reason);
      return "rejected";
    }
    await write("failed", sending);
    throw error;
  }
  crashPoint(ctx.deps, "event-posted");
  await write("posted", sending);
  return "posted";
};
