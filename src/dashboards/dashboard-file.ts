import { buildDashboard } from "./dashboard.js";
import { exampleDashboardInput } from "./dashboard-input.js";

/** Where the generated dashboard lives in the repository (and in the npm package). */
export const DASHBOARD_FILE = "dashboards/dogdriver.json";

/** The exact text of dashboards/dogdriver.json: test/dashboards checks the checked-in file against it. */
export const dashboardFileText = (): string =>
  `${JSON.stringify(buildDashboard(exampleDashboardInput()), null, 2)}\n`;
