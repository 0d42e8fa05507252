import { isValidName, NAME_RULE } from "../config/names.js";
import { DogdriverError } from "../errors.js";
import type { RunFilter } from "../store/types.js";

// Which runs `report` looks at: every stored run, or those of the named services ("name" or "name/env").

/** Parses SERVICE arguments into store filters; none means everything. */
export const serviceFilters = (services: readonly string[]): RunFilter[] =>
  services.map((arg) => {
    const [service, env, extra] = arg.split("/");
    const bad = (what: string, value: string | undefined) =>
      new DogdriverError(
        "usage",
        `SERVICE "${arg}": expected NAME or NAME/ENV, ${what} "${value ?? ""}" is not ${NAME_RULE}`,
      );
    if (extra !== undefined)
      throw new DogdriverError("usage", `SERVICE "${arg}": expected NAME or NAME/ENV, with one "/" at most`);
    if (service === undefined || !isValidName(service)) throw bad("name", service);
    if (env !== undefined && !isValidName(env)) throw bad("env", env);
    return env === undefined ? { service } : { service, env };
  });
