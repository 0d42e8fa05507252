// `npm run gen:dashboard`: regenerates dashboards/dogdriver.json from src/dashboards. An entry point of its
// own (like src/cli.ts), so it may use process.
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { DASHBOARD_FILE, dashboardFileText } from "./dashboard-file.js";

const target = resolve(process.cwd(), DASHBOARD_FILE);
await writeFile(target, dashboardFileText());
process.stderr.write(`wrote ${DASHBOARD_FILE}\n`);
