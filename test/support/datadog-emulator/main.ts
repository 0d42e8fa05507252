import { parseArgs } from "node:util";
import { startDatadogEmulator } from "./index.js";

// Runs the emulator on its own for manual exploration (see docs/datadog.md, "The emulator"):
//   npx tsc -p test/support/datadog-emulator/tsconfig.json && node .tmp/datadog-emulator/main.js --port 8126

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8126" },
    "api-key": { type: "string" },
    "app-key": { type: "string" },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port: expected a port number, got ${values.port}\n`);
  process.exit(2);
}
const emulator = await startDatadogEmulator({
  port,
  ...(values["api-key"] ? { apiKey: values["api-key"] } : {}),
  ...(values["app-key"] ? { appKey: values["app-key"] } : {}),
});
// These are the emulator's own test keys, not Datadog credentials.
process.stdout.write(
  `Datadog emulator on ${emulator.url}\n  DOGDRIVER_DD_URL=${emulator.url} DD_API_KEY=${emulator.apiKey} DD_APP_KEY=${emulator.appKey}\n`,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void emulator.close().then(() => process.exit(0)));
}
