import type { CatalogDefinition, CatalogListing } from "./types.js";
import { GarbledAnswer, wireObject, wireStrings } from "./wire-format.js";

// Reading the Software Catalog as JSON on the wire. The entity API (GET /api/v2/catalog/entity) is asked with
// include=schema, so each entity's full definition (with `extensions`) comes in `included`, referenced from the
// entity by relationships.schema. The service-definition API (v2.2 definitions, GET /api/v2/services/definitions)
// is the fallback where the entity API is not available. Every field read is remote text: checked for its type
// here, validated and sanitized by discovery before use.

const PAGE_LIMIT = 100;
/** No catalog this tool serves is larger; a bound so a misbehaving answer cannot page forever. */
export const MAX_CATALOG_ENTITIES = 20_000;

/** GETs an API path with these query parameters and returns the parsed JSON answer. */
export type GetJson = (path: string, query: Record<string, string>) => Promise<unknown>;

const dataOf = (answer: unknown): unknown[] => {
  const data = wireObject(answer)?.data ?? [];
  if (!Array.isArray(data)) throw new GarbledAnswer("data is not a list");
  return data;
};

const ownerOf = (value: unknown): { owner?: string } =>
  typeof value === "string" && value !== "" ? { owner: value } : {};

const text = (...candidates: unknown[]): string => {
  const found = candidates.find((c) => typeof c === "string");
  return typeof found === "string" ? found : "";
};

/** Every entity of `kind`, each with the definition `included` holds for it (include=schema). */
export const listEntities = async (get: GetJson, kind: string): Promise<CatalogListing> => {
  const definitions: CatalogDefinition[] = [];
  let pages = 0;
  for (let offset = 0; offset < MAX_CATALOG_ENTITIES; offset += PAGE_LIMIT) {
    const page = await get("/api/v2/catalog/entity", {
      "page[offset]": String(offset),
      "page[limit]": String(PAGE_LIMIT),
      "filter[kind]": kind,
      include: "schema",
    });
    pages += 1;
    const schemas = new Map<string, Record<string, unknown>>();
    const included = wireObject(page)?.included ?? [];
    for (const item of Array.isArray(included) ? included : []) {
      const entry = wireObject(item);
      const schema = wireObject(wireObject(entry?.attributes)?.schema);
      if (entry?.type === "schema" && typeof entry.id === "string" && schema) schemas.set(entry.id, schema);
    }
    const data = dataOf(page);
    for (const item of data) {
      const entity = wireObject(item);
      const attributes = wireObject(entity?.attributes);
      const schemaId = wireObject(wireObject(wireObject(entity?.relationships)?.schema)?.data)?.id;
      const schema = typeof schemaId === "string" ? schemas.get(schemaId) : undefined;
      const metadata = wireObject(schema?.metadata);
      definitions.push({
        name: text(attributes?.name, metadata?.name),
        kind: text(attributes?.kind, schema?.kind),
        ...ownerOf(attributes?.owner ?? metadata?.owner),
        tags: Array.isArray(attributes?.tags) ? wireStrings(attributes.tags) : wireStrings(metadata?.tags),
        extensions: schema?.extensions,
      });
    }
    if (data.length < PAGE_LIMIT) break;
  }
  return { api: "entity", pages, definitions };
};

/** Every service definition (schema v2.2, the version that carries `extensions` and `team`). */
export const listServiceDefinitions = async (get: GetJson): Promise<CatalogListing> => {
  const definitions: CatalogDefinition[] = [];
  let pages = 0;
  // page[number] starts at 0 (the official client's own pagination does the same).
  for (let number = 0; number * PAGE_LIMIT < MAX_CATALOG_ENTITIES; number += 1) {
    const page = await get("/api/v2/services/definitions", {
      "page[size]": String(PAGE_LIMIT),
      "page[number]": String(number),
      schema_version: "v2.2",
    });
    pages += 1;
    const data = dataOf(page);
    for (const item of data) {
      const schema = wireObject(wireObject(wireObject(item)?.attributes)?.schema);
      definitions.push({
        name: text(schema?.["dd-service"]),
        kind: "service",
        ...ownerOf(schema?.team),
        tags: wireStrings(schema?.tags),
        extensions: schema?.extensions,
      });
    }
    if (data.length < PAGE_LIMIT) break;
  }
  return { api: "service-definition", pages, definitions };
};
