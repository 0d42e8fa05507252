import { gzipSync } from "node:zlib";
import type { v2 } from "@datadog/datadog-api-client";
import { SERIES_MAX_COMPRESSED_BYTES, SERIES_MAX_UNCOMPRESSED_BYTES } from "./limits.js";

// Cuts a metric submission into gzip payloads that each fit Datadog's two limits (512000 bytes compressed, 5242880
// once decompressed). Series are serialised once and packed greedily up to a JSON size whose gzip should land at
// 90% of the compressed limit (the ratio is measured on a sample of the submission); a series larger than that is
// cut into parts of its points first. A pack whose gzip still exceeds a limit is halved. The JSON is the wire
// format (what the official client's ObjectSerializer makes of the same model), and the gzip made here to measure
// a payload is the one sent.

export interface Payload {
  body: v2.MetricPayload;
  json: string;
  gzipped: Buffer;
  points: number;
}

export interface PayloadLimits {
  maxCompressedBytes: number;
  maxUncompressedBytes: number;
}

const DATADOG_LIMITS: PayloadLimits = {
  maxCompressedBytes: SERIES_MAX_COMPRESSED_BYTES,
  maxUncompressedBytes: SERIES_MAX_UNCOMPRESSED_BYTES,
};

interface Piece {
  series: v2.MetricSeries;
  json: string;
}

const piece = (series: v2.MetricSeries): Piece => ({
  series,
  // MetricSeries' fields (metric, type, tags, unit, points: timestamp, value) are named the same on the wire, so
  // the model is its own wire JSON (test/datadog/wire-bodies.test.ts compares with the client's serializer).
  json: JSON.stringify(series),
});

const ENVELOPE = '{"series":[]}'.length;

const payloadOf = (pieces: readonly Piece[]): Payload => {
  const json = `{"series":[${pieces.map((p) => p.json).join(",")}]}`;
  return {
    body: { series: pieces.map((p) => p.series) },
    json,
    gzipped: gzipSync(json),
    points: pieces.reduce((n, p) => n + p.series.points.length, 0),
  };
};

const halves = <T>(items: readonly T[]): [T[], T[]] => {
  const middle = Math.ceil(items.length / 2);
  return [items.slice(0, middle), items.slice(middle)];
};

/** A series cut in two by its points (the same metric and tags in each part). */
const splitSeries = (p: Piece): Piece[] => {
  if (p.series.points.length < 2) {
    throw new Error(`metric ${p.series.metric}: one point is larger than Datadog's payload limit`);
  }
  return halves(p.series.points).map((points) => piece({ ...p.series, points }));
};

const underLimits = (pieces: Piece[], limits: PayloadLimits): Payload[] => {
  const payload = payloadOf(pieces);
  const tooBig =
    Buffer.byteLength(payload.json) > limits.maxUncompressedBytes ||
    payload.gzipped.length > limits.maxCompressedBytes;
  if (!tooBig) return [payload];
  const [first] = pieces;
  if (pieces.length === 1 && first) return splitSeries(first).flatMap((part) => underLimits([part], limits));
  return halves(pieces).flatMap((half) => underLimits(half, limits));
};

const SAMPLE_BYTES = 256 * 1024;
const TARGET_FILL = 0.9;

/** JSON bytes per payload: both limits, with the compressed one converted by the measured gzip ratio. */
const packBudget = (pieces: readonly Piece[], limits: PayloadLimits): number => {
  const total = pieces.reduce((n, p) => n + p.json.length, 0);
  // JSON never grows under gzip, so a submission smaller than the compressed limit needs no measuring.
  if (total + ENVELOPE <= limits.maxCompressedBytes) return limits.maxUncompressedBytes;
  let sample = "";
  for (const p of pieces) {
    if (sample.length >= SAMPLE_BYTES) break;
    sample += p.json.slice(0, SAMPLE_BYTES - sample.length);
  }
  const ratio = gzipSync(sample).length / sample.length;
  return Math.max(
    1024,
    Math.min(limits.maxUncompressedBytes, Math.floor((TARGET_FILL * limits.maxCompressedBytes) / ratio)),
  );
};

/** A series whose JSON exceeds `budget` as parts of its points, each about `budget` bytes. */
const partsOf = (p: Piece, budget: number): Piece[] => {
  const parts = Math.ceil(Buffer.byteLength(p.json) / budget);
  if (parts <= 1 || p.series.points.length < 2) return [p];
  const size = Math.ceil(p.series.points.length / parts);
  const out: Piece[] = [];
  for (let i = 0; i < p.series.points.length; i += size) {
    out.push(piece({ ...p.series, points: p.series.points.slice(i, i + size) }));
  }
  return out;
};

export const seriesPayloads = (series: readonly v2.MetricSeries[], limits = DATADOG_LIMITS): Payload[] => {
  const pieces = series.map(piece);
  const budget = packBudget(pieces, limits);
  const packs: Piece[][] = [];
  let current: Piece[] = [];
  let size = ENVELOPE;
  for (const p of pieces.flatMap((whole) => partsOf(whole, budget))) {
    const bytes = Buffer.byteLength(p.json) + 1;
    if (current.length > 0 && size + bytes > budget) {
      packs.push(current);
      current = [];
      size = ENVELOPE;
    }
    current.push(p);
    size += bytes;
  }
  if (current.length > 0) packs.push(current);
  return packs.flatMap((pack) => underLimits(pack, limits));
};
