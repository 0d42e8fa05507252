import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { CaptureEvents, RequestSample, ScenarioSteps } from "./types.js";

// Reads what extension/dogdriver_ext.py writes: one requests-<pid>.tsv per molotov process, appended while the
// test runs: a line per request, and `#` lines for failed scenario runs, scenario-run totals and loop lag. Each call to `drain` reads only the bytes added since the last one, so memory stays bounded by one
// chunk whatever the run length; a line cut by the end of a read waits for the next call.

const FILE = /^requests-\d+\.tsv$/;
const CHUNK_BYTES = 1 << 20;

/** Parses one line of the extension's format; undefined for a line that is not one. */
export const parseSampleLine = (line: string): RequestSample | undefined => {
  // The 7th column, `name`, came later: a line of 6 is one with no name.
  const [start, method, path, status, latency, error, name] = line.split("\t");
  const startedAtS = Number(start);
  const latencyMs = Number(latency);
  if (!method || path === undefined || !Number.isFinite(startedAtS) || !Number.isFinite(latencyMs))
    return undefined;
  const sample: RequestSample = { startedAtMs: startedAtS * 1000, method, path, latencyMs };
  if (status) sample.status = Number(status);
  else sample.error = error || "no response";
  if (name) sample.name = name;
  return sample;
};

export interface CaptureReader {
  /** Reads every complete line added since the last call and hands each sample to `onSample`. */
  drain(): Promise<void>;
  /** Lines that could not be parsed so far. */
  malformed(): number;
  /** Scenario runs so far, over every process (each file's latest running totals). */
  steps(): ScenarioSteps;
}

interface FileState {
  offset: number;
  rest: string;
  steps: ScenarioSteps;
}

/** A `#` line of the extension (failure, steps, lag); false when it is not one it knows. */
const parseMarkLine = (line: string, file: FileState, events: CaptureEvents): boolean => {
  const [kind, a, b] = line.split("\t");
  const first = Number(a);
  if (kind === "#failure" && Number.isFinite(first) && b !== undefined) {
    events.failure?.(first * 1000, b);
    return true;
  }
  const second = Number(b);
  if (!Number.isFinite(first) || !Number.isFinite(second) || b === undefined || b === "") return false;
  if (kind === "#steps") file.steps = { ok: first, failed: second };
  else if (kind === "#lag") events.lag?.(first * 1000, second);
  else return false;
  return true;
};

export const captureReader = (
  dir: string,
  onSample: (sample: RequestSample) => void,
  events: CaptureEvents = {},
): CaptureReader => {
  const files = new Map<string, FileState>();
  let malformed = 0;
  const buffer = Buffer.alloc(CHUNK_BYTES);

  const readFile = async (name: string) => {
    const state = files.get(name) ?? { offset: 0, rest: "", steps: { ok: 0, failed: 0 } };
    files.set(name, state);
    const handle = await open(join(dir, name), "r");
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, state.offset);
        if (bytesRead === 0) break;
        state.offset += bytesRead;
        // Lines are ASCII except for error texts; a multi-byte character cut at the chunk end is replaced,
        // which can only touch an error message.
        const lines = (state.rest + buffer.toString("utf8", 0, bytesRead)).split("\n");
        state.rest = lines.pop() ?? "";
        for (const line of lines) {
          if (line.startsWith("#")) {
            if (!parseMarkLine(line, state, events)) malformed += 1;
            continue;
          }
          const sample = parseSampleLine(line);
          if (sample) onSample(sample);
          else if (line) malformed += 1;
        }
      }
    } finally {
      await handle.close();
    }
  };

  return {
    drain: async () => {
      const names = (await readdir(dir)).filter((n) => FILE.test(n)).sort();
      for (const name of names) await readFile(name);
    },
    malformed: () => malformed,
    steps: () => {
      const total = { ok: 0, failed: 0 };
      for (const { steps } of files.values()) {
        total.ok += steps.ok;
        total.failed += steps.failed;
      }
      return total;
    },
  };
};
