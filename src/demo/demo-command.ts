import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DogdriverError } from "../errors.js";
import { type SampleService, startSampleService } from "../runner/sample-service.js";
import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import type { Outcome } from "../state/outcome.js";

export interface DemoOptions extends GlobalOptions {
  /** Fewer runs per release (the verdicts may then honestly say "insufficient data"). */
  quick?: boolean;
}

/** The demo's two releases: catalog stays the same, checkout gets 30% slower. */
const RELEASES = [
  { catalog: { version: "1.0.0", delayMs: 20 }, checkout: { version: "2.3.0", delayMs: 30 } },
  { catalog: { version: "1.1.0", delayMs: 20 }, checkout: { version: "2.4.0", delayMs: 39 } },
] as const;

const LOADTEST_DIR = fileURLToPath(new URL("../../examples/loadtest", import.meta.url));

const deploy = (
  services: Record<"catalog" | "checkout", SampleService>,
  release: (typeof RELEASES)[number],
) => {
  for (const name of ["catalog", "checkout"] as const) {
    services[name].setVersion(release[name].version);
    services[name].setDelay(release[name].delayMs);
  }
};

/**
 * `dogdriver demo`: an offline walk-through on embedded defaults. Starts two sample services on 127.0.0.1,
 * load-tests them with the real Molotov over two releases (checkout's second release is slower), aggregates
 * without Datadog, and prints the verdicts. Everything it writes stays in ./.dogdriver-demo.
 */
export const demoCommand = async (options: DemoOptions, deps: Deps): Promise<Outcome> => {
  const dir = join(deps.cwd, ".dogdriver-demo");
  const runsPerRelease = options.quick ? 3 : 6;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  const started = await Promise.all([startSampleService(), startSampleService()]);
  const services = { catalog: started[0], checkout: started[1] };
  try {
    const configFile = join(dir, "dogdriver.config.json");
    const config = {
      store: `file://${join(dir, "store")}`,
      source: "demo",
      settle: "0s",
      services: (["catalog", "checkout"] as const).map((name) => ({
        name,
        env: "demo",
        endpoint: services[name].url,
        test: { repo: LOADTEST_DIR, name: "smoke" },
      })),
    };
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
    // Offline whatever the caller's environment holds: no Datadog keys reach the commands.
    const {
      DD_API_KEY: _api,
      DD_APP_KEY: _app,
      DATADOG_API_KEY: _ddApi,
      DATADOG_APP_KEY: _ddApp,
      DOGDRIVER_STORE: _store,
      ...env
    } = deps.env;
    const demoDeps: Deps = {
      ...deps,
      env: { ...env, DOGDRIVER_SPOOL_DIR: join(dir, "spool") },
      // "Datadog keys not set" from run and aggregate would contradict keys the user did set: the line above says why.
      log: { ...deps.log, once: (message) => deps.log.debug(message) },
    };
    const globals = { config: configFile };

    const { runCommand } = await import("../runner/run-command.js");
    deps.log.info("demo: offline: no Datadog keys are used, nothing leaves this machine");
    deps.log.info(
      `demo: two services on 127.0.0.1 (catalog ${services.catalog.url}, checkout ${services.checkout.url})`,
    );
    deps.log.info(
      `demo: ${RELEASES.length} releases x ${runsPerRelease} runs each; checkout's second release is 30% slower`,
    );
    for (const [index, release] of RELEASES.entries()) {
      deploy(services, release);
      deps.log.info(
        `demo: release ${index + 1}: catalog ${release.catalog.version} (${release.catalog.delayMs} ms), checkout ${release.checkout.version} (${release.checkout.delayMs} ms)`,
      );
      for (let run = 1; run <= runsPerRelease; run++) {
        if (deps.signal.aborted) throw new DogdriverError("interrupted", "demo: interrupted");
        deps.log.info(`demo: run ${run}/${runsPerRelease} of release ${index + 1}`);
        const outcome = await runCommand({ ...globals, all: true }, demoDeps);
        if (outcome !== "ok")
          throw new DogdriverError("load_test_failed", `demo: a load test failed (${outcome}); see above`);
      }
    }

    deps.log.info("demo: aggregating (offline: client-side numbers only)");
    const { aggregateCommand } = await import("../aggregator/aggregate-command.js");
    await aggregateCommand({ ...globals, settle: "0s" }, demoDeps);

    const htmlFile = join(dir, "report.html");
    const { reportCommand } = await import("../report/report-command.js");
    const outcome = await reportCommand({ ...globals, html: htmlFile }, demoDeps);
    deps.log.info(`demo: done. Records in ${join(dir, "store")}, trend chart in ${htmlFile}`);
    deps.log.info(`demo: try \`dogdriver report --config ${configFile} --json\``);
    return outcome;
  } finally {
    await Promise.all(started.map((s) => s.close()));
  }
};
