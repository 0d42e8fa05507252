import { describeIssues, got } from "../config/issues.js";
import { toService } from "../config/load.js";
import { isValidName } from "../config/names.js";
import { serviceSchema } from "../config/service-schema.js";
import { catalogRepoProblem, readTestRepo } from "../config/test-repo.js";
import type { ServiceConfig } from "../config/types.js";
import type { CatalogDefinition } from "../datadog/types.js";
import { redactUrl } from "../text/redact-url.js";
import { safeText } from "../text/safe-text.js";
import type { CatalogProblem } from "./types.js";

// An entity's `extensions.dogdriver` block: the keys of a configured service except `name`, which is the entity's
// name. One block is one service/env; a list of blocks gives one service per env. The entity's owner becomes the
// service's `team` unless the block names one.

/** Past this a block is refused whole: no service definition needs more, and it is remote text. */
export const MAX_BLOCK_CHARS = 16_384;
const blockSchema = serviceSchema.omit({ name: true });
const FIELD = "extensions.dogdriver";

/** The owner as a team tag value: lowercased, other characters as "-" (Datadog lowercases tags anyway). */
export const teamOf = (owner: string | undefined): string | undefined => {
  const team = owner
    ?.toLowerCase()
    .replace(/^team:/, "")
    .replace(/[^a-z0-9_.-]/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 100);
  return team !== undefined && isValidName(team) ? team : undefined;
};

/**
 * The services an entity's block describes and the problems of the entries skipped: a malformed entry of a list
 * skips that entry (that env), not the others. `localRepoDirs`: discover.local_repo_dirs.
 */
export const readDogdriverBlock = (
  definition: CatalogDefinition,
  localRepoDirs: readonly string[],
): { services: ServiceConfig[]; problems: CatalogProblem[] } => {
  const entity = safeText(definition.name, 100);
  const problem = (field: string, message: string) => ({
    services: [],
    problems: [{ entity, field, message }],
  });
  const block = (definition.extensions as Record<string, unknown> | undefined)?.dogdriver;
  const size = JSON.stringify(block)?.length ?? 0;
  if (size > MAX_BLOCK_CHARS)
    return problem(FIELD, `${size} characters, over the ${MAX_BLOCK_CHARS} allowed`);
  if (!isValidName(definition.name))
    return problem("name", "not usable as a service name (lowercase letters, digits, '_', '.', '-')");
  const entries = Array.isArray(block) ? block : [block];
  const problems: CatalogProblem[] = [];
  const services: ServiceConfig[] = [];
  entries.forEach((entry, index) => {
    const at = Array.isArray(block) ? `${FIELD}[${index}]` : FIELD;
    const parsed = blockSchema.safeParse(entry, { reportInput: true });
    if (!parsed.success) {
      for (const line of describeIssues(blockSchema, parsed.error.issues)) {
        // "endpoint: expected an http(s) URL, got ..." -> field "….endpoint"; "(top level)" is the block itself.
        const [path = "", ...rest] = line.split(": ");
        const field = path === "(top level)" ? at : `${at}.${path}`;
        problems.push({ entity, field: safeText(field, 100), message: safeText(rest.join(": "), 200) });
      }
      return;
    }
    const repo = parsed.data.test.repo;
    const repoProblem = catalogRepoProblem(readTestRepo(repo), localRepoDirs);
    if (repoProblem !== undefined) {
      problems.push({
        entity,
        field: `${at}.test.repo`,
        message: `${repoProblem}, got ${got(redactUrl(repo))}`,
      });
      return;
    }
    const team = parsed.data.team ?? teamOf(definition.owner);
    services.push(toService({ ...parsed.data, name: definition.name, ...(team ? { team } : {}) }));
  });
  return { services, problems };
};
