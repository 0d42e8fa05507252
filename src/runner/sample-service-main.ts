#!/usr/bin/env node
import { parseArgs } from "node:util";
import { startSampleService } from "./sample-service.js";

// Standalone entry: `node dist/runner/sample-service-main.js --port 8080 --delay 20 --version 1.2.0 --error-rate 0`.

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    delay: { type: "string", default: "0" },
    version: { type: "string", default: "1.0.0" },
    "error-rate": { type: "string", default: "0" },
  },
});
const service = await startSampleService({
  port: Number(values.port),
  delayMs: Number(values.delay),
  version: values.version,
  errorRate: Number(values["error-rate"]),
});
process.stdout.write(`${service.url}\n`);
for (const name of ["SIGINT", "SIGTERM"] as const) process.once(name, () => void service.close());
