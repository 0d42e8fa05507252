import type { Reply } from "./http-io.js";

// A route of the emulator: which credentials Datadog asks for on it, and what it answers.

export interface RouteContext {
  method: string;
  path: string;
  /** Captures of the route's pattern (ids). */
  params: string[];
  query: Record<string, string>;
  body: unknown;
  nowMs: number;
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** "api": DD-API-KEY only (series, v1 events); "api+app": both keys (queries, dashboards, monitors). */
  auth: "api" | "api+app";
  handle(ctx: RouteContext): Reply;
}
