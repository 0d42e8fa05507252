// The aggregator's bookkeeping blobs (claims, the event ledger, the finished-run indexes) are its own JSON, but
// a crash, a hand edit or an older version can leave one unreadable. None of them may stop an aggregate: an
// unreadable claim or ledger entry counts as absent (taken over, or the event queued again), an unreadable index
// is rebuilt from the records.

/** The blob's JSON, or `fallback` when it does not parse. */
export const parseBlobOr = <T>(body: string, fallback: T): T => {
  try {
    return JSON.parse(body) as T;
  } catch {
    return fallback;
  }
};
