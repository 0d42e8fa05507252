import { TIMEOUT_UNKNOWN_DURATION_MS } from "../config/defaults.js";

// Beyond the test's own duration: molotov lets in-flight requests finish (aiohttp waits up to 5 min by default).
const TIMEOUT_MARGIN_MS = 2 * 60_000;

/** Hard limit for one Molotov run: test.timeout, else the test's duration plus a margin, else 30 minutes. */
export const runTimeoutMs = (timeoutMs: number | undefined, expectedMs: number | undefined): number =>
  timeoutMs ?? (expectedMs === undefined ? TIMEOUT_UNKNOWN_DURATION_MS : expectedMs + TIMEOUT_MARGIN_MS);
