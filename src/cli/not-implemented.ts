import { DogdriverError } from "../errors.js";
import type { Outcome } from "./exit-codes.js";

/** For commands whose issue has not landed yet: exit 1 with a plain message. */
export const notImplemented = async (command: string): Promise<Outcome> => {
  throw new DogdriverError("not_implemented", `dogdriver ${command}: not implemented yet`);
};
