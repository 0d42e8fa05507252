import { access, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DEFAULT_CONFIG_NAMES } from "../config/load.js";
import { isValidName, NAME_RULE } from "../config/names.js";
import { DogdriverError } from "../errors.js";
import type { Deps } from "../state/deps.js";
import type { GlobalOptions } from "../state/global-options.js";
import type { Outcome } from "../state/outcome.js";
import { STARTER_MOLOTOV_JSON, STARTER_SCENARIO, starterJson, starterYaml } from "./starter-files.js";

export interface InitOptions extends GlobalOptions {
  endpoint: string;
  name?: string;
  env?: string;
  /** JSON instead of the commented YAML. */
  json?: boolean;
  /** Also write loadtest/molotov.json and loadtest/loadtest.py. */
  test?: boolean;
}

// "kinto" from https://kinto.stage.example.com; an address (127.0.0.1, [::1]) names nothing.
const nameFromHost = (endpoint: URL) =>
  /^[\d.]+$|^\[/.test(endpoint.hostname)
    ? "service"
    : (endpoint.hostname
        .split(".")[0]
        ?.toLowerCase()
        .replace(/[^a-z0-9_.-]/g, "-") ?? "service");

/** `dogdriver init`: writes a starter configuration (and test), and never overwrites a file. */
export const initCommand = async (options: InitOptions, deps: Deps): Promise<Outcome> => {
  if (!/^https?:\/\/[^\s/]+/.test(options.endpoint) || !URL.canParse(options.endpoint))
    throw new DogdriverError(
      "usage",
      `init: expected an http(s) URL as the endpoint, got "${options.endpoint.slice(0, 100)}"`,
    );
  const endpoint = options.endpoint.replace(/\/+$/, "");
  const name = options.name ?? nameFromHost(new URL(endpoint));
  const env = options.env ?? "stage";
  for (const [flag, value] of [
    ["--name", name],
    ["--env", env],
  ] as const) {
    if (!isValidName(value))
      throw new DogdriverError("usage", `init: ${flag}: expected ${NAME_RULE}, got "${value}"`);
  }
  const configFile = options.config ?? (options.json ? "dogdriver.config.json" : "dogdriver.config.yaml");
  // --store is a global option: the store the starter configuration names (a flag that did nothing would mislead).
  const input = { name, env, endpoint, ...(options.store === undefined ? {} : { store: options.store }) };
  const files: [string, string][] = [
    [configFile, /\.json$/i.test(configFile) ? starterJson(input) : starterYaml(input)],
    ...(options.test
      ? ([
          ["loadtest/molotov.json", STARTER_MOLOTOV_JSON],
          ["loadtest/loadtest.py", STARTER_SCENARIO],
        ] as [string, string][])
      : []),
  ];
  // All or nothing: every file is checked before any is written, and "wx" refuses one that appeared meanwhile.
  const existing: string[] = [];
  // Without --config, any default-named configuration counts: a second one would shadow it, or be shadowed.
  const taken = [
    ...new Set([...files.map(([file]) => file), ...(options.config ? [] : DEFAULT_CONFIG_NAMES)]),
  ];
  for (const file of taken)
    if (
      await access(join(deps.cwd, file)).then(
        () => true,
        () => false,
      )
    )
      existing.push(file);
  if (existing.length > 0) {
    throw new DogdriverError(
      "usage",
      `init: ${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""}; nothing written (remove or move it first)`,
    );
  }
  for (const [file, text] of files) {
    const path = join(deps.cwd, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, { flag: "wx" });
    deps.log.info(`wrote ${file}`);
  }
  deps.log.info(
    `next: npx dogdriver check${options.config ? ` --config ${configFile}` : ""}, then npx dogdriver run ${name}`,
  );
  return "ok";
};
