// `node --import <this file> dist/cli.js ...`: every module the process resolves (ESM imports, static or dynamic,
// and CommonJS packages entered through import) is appended to $DOGDRIVER_IMPORT_LOG, one URL per line, so a
// test can assert what a command's module graph holds.
import { register } from "node:module";

register(new URL("./hooks.mjs", import.meta.url), { data: { log: process.env.DOGDRIVER_IMPORT_LOG } });
