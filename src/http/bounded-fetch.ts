import type { Clock } from "../state/deps.js";
import { redactUrl } from "../text/redact-url.js";

// A request to a server dogdriver does not control (a service's version endpoint, Datadog's API, its catalog):
// the answer is read at most `maxBytes` deep (after content decoding, so a compressed bomb stops at the cap too)
// and the whole exchange, body included, within `timeoutMs`. The timer is this
// request's own (clock.sleep, a setTimeout in the CLI): Node 20's AbortSignal.any stops firing once garbage
// collection ran, and a timeout on the headers alone lets a server that trickles one byte a second hold a run
// for ever.

export interface BoundedFetchOptions {
  timeoutMs: number;
  maxBytes: number;
  clock: Pick<Clock, "sleep">;
  /** The user's stop (Ctrl-C). */
  signal: AbortSignal;
  headers?: Record<string, string>;
}

export interface BoundedRequest extends BoundedFetchOptions {
  method?: string;
  body?: string | Uint8Array<ArrayBuffer>;
  /** "follow" (the default) for public endpoints; "error" where the request carries keys. */
  redirect?: RequestRedirect;
}

export interface BoundedAnswer {
  status: number;
  body: string;
}

export interface BoundedBytes {
  status: number;
  /** Lowercase names. */
  headers: Record<string, string>;
  body: Buffer;
}

export type BoundedFetchFailure = "timeout" | "too_large" | "unreachable" | "interrupted";

/** Why a bounded fetch ended without an answer; `message` never holds the body. */
export class BoundedFetchError extends Error {
  constructor(
    readonly kind: BoundedFetchFailure,
    message: string,
  ) {
    super(message);
    this.name = "BoundedFetchError";
  }
}

const reasonOf = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  // An error of fetch's own may quote the URL: never its user and password.
  const reason = redactUrl(cause?.code ?? cause?.message ?? (error as Error).message ?? String(error));
  // Node's fetch refuses the Fetch standard's "bad ports" (6000, 6665-6669, 10080, ...) without connecting.
  if (reason === "bad port")
    return "fetch refuses this port (one of the Fetch standard's blocked ports, e.g. 6000, 6665-6669, 10080): serve the endpoint on another port";
  return reason;
};

/** Reads the body chunk by chunk, stopping (and cancelling the download) past `maxBytes`. */
const readCapped = async (body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Buffer> => {
  if (body === null) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BoundedFetchError("too_large", `answer larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
};

/** GETs `url` as text within the bounds; throws BoundedFetchError (its message names neither URL nor body). */
export const boundedFetchText = async (url: string, o: BoundedFetchOptions): Promise<BoundedAnswer> => {
  const answer = await boundedFetch(url, o);
  return { status: answer.status, body: answer.body.toString("utf8") };
};

const unescaped = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * A URL's user and password as the Basic Authorization header a browser or curl would send (fetch refuses a URL
 * that carries them), and the URL without them; a URL without any as it is.
 */
const credentialsApart = (url: string | URL): { target: string | URL; authorization?: string } => {
  const parsed = URL.parse(String(url));
  if (parsed === null || (parsed.username === "" && parsed.password === "")) return { target: url };
  const pair = `${unescaped(parsed.username)}:${unescaped(parsed.password)}`;
  parsed.username = "";
  parsed.password = "";
  return { target: parsed, authorization: `Basic ${Buffer.from(pair, "utf8").toString("base64")}` };
};

/** Sends one request within the bounds; throws BoundedFetchError (its message names neither URL nor body). */
export const boundedFetch = async (url: string | URL, o: BoundedRequest): Promise<BoundedBytes> => {
  if (o.signal.aborted) throw new BoundedFetchError("interrupted", "interrupted");
  const { target, authorization } = credentialsApart(url);
  const sent = { ...(authorization === undefined ? {} : { authorization }), ...(o.headers ?? {}) };
  const abort = new AbortController();
  const stopTimer = new AbortController();
  let why: BoundedFetchFailure | undefined;
  const stop = (kind: BoundedFetchFailure) => {
    why ??= kind;
    abort.abort();
  };
  o.clock.sleep(o.timeoutMs, stopTimer.signal).then(
    () => stop("timeout"),
    () => {},
  );
  const onStop = () => stop("interrupted");
  o.signal.addEventListener("abort", onStop);
  try {
    const response = await fetch(target, {
      method: o.method ?? "GET",
      headers: sent,
      ...(o.body === undefined ? {} : { body: o.body }),
      redirect: o.redirect ?? "follow",
      signal: abort.signal,
    });
    const body = await readCapped(response.body, o.maxBytes);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { status: response.status, headers, body };
  } catch (error) {
    if (why === "timeout") throw new BoundedFetchError("timeout", `no answer within ${o.timeoutMs / 1000} s`);
    if (why === "interrupted") throw new BoundedFetchError("interrupted", "interrupted");
    if (error instanceof BoundedFetchError) throw error;
    throw new BoundedFetchError("unreachable", reasonOf(error));
  } finally {
    stopTimer.abort();
    o.signal.removeEventListener("abort", onStop);
  }
};
