import type { v2 } from "@datadog/datadog-api-client";
import type { CatalogDefinition, CatalogListing } from "./types.js";

// Reading the Software Catalog through the official client. The entity API (GET /api/v2/catalog/entity) is asked
// with include=schema, so each entity's full definition (with `extensions`) comes in `included`, referenced from
// the entity by relationships.schema. The client's own listCatalogEntityWithPagination yields the entities only
// and drops `included`, so the pages are walked here. The service-definition API (v2.2 definitions) is the
// fallback where the entity API is not available.

const PAGE_LIMIT = 100;
/** No catalog this tool serves is larger; a bound so a misbehaving answer cannot page forever. */
export const MAX_CATALOG_ENTITIES = 20_000;

const record = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

/** Every entity of `kind`, each with the definition `included` holds for it (include=schema). */
export const listEntities = async (api: v2.SoftwareCatalogApi, kind: string): Promise<CatalogListing> => {
  const definitions: CatalogDefinition[] = [];
  let pages = 0;
  for (let offset = 0; offset < MAX_CATALOG_ENTITIES; offset += PAGE_LIMIT) {
    const page = await api.listCatalogEntity({
      pageOffset: offset,
      pageLimit: PAGE_LIMIT,
      filterKind: kind,
      include: "schema",
    });
    pages += 1;
    const schemas = new Map<string, Record<string, unknown>>();
    for (const item of page.included ?? []) {
      const included = record(item);
      const schema = record(record(included?.attributes)?.schema);
      if (included?.type === "schema" && typeof included.id === "string" && schema)
        schemas.set(included.id, schema);
    }
    const data = page.data ?? [];
    for (const entity of data) {
      const schemaId = entity.relationships?.schema?.data?.id;
      const schema = schemaId === undefined ? undefined : schemas.get(schemaId);
      const metadata = record(schema?.metadata);
      definitions.push({
        name: String(entity.attributes?.name ?? metadata?.name ?? ""),
        kind: String(entity.attributes?.kind ?? schema?.kind ?? ""),
        ...ownerOf(entity.attributes?.owner ?? metadata?.owner),
        tags: entity.attributes?.tags ?? strings(metadata?.tags),
        extensions: schema?.extensions,
      });
    }
    if (data.length < PAGE_LIMIT) break;
  }
  return { api: "entity", pages, definitions };
};

/** Every service definition (schema v2.2, the version that carries `extensions` and `team`). */
export const listServiceDefinitions = async (api: v2.ServiceDefinitionApi): Promise<CatalogListing> => {
  const definitions: CatalogDefinition[] = [];
  let pages = 0;
  // page[number] starts at 0 (the official client's own pagination does the same).
  for (let number = 0; number * PAGE_LIMIT < MAX_CATALOG_ENTITIES; number += 1) {
    const page = await api.listServiceDefinitions({
      pageSize: PAGE_LIMIT,
      pageNumber: number,
      schemaVersion: "v2.2",
    });
    pages += 1;
    const data = page.data ?? [];
    for (const item of data) {
      const schema = record(item.attributes?.schema);
      definitions.push({
        name: String(schema?.ddService ?? ""),
        kind: "service",
        ...ownerOf(schema?.team),
        tags: strings(schema?.tags),
        extensions: schema?.extensions,
      });
    }
    if (data.length < PAGE_LIMIT) break;
  }
  return { api: "service-definition", pages, definitions };
};

const ownerOf = (value: unknown): { owner?: string } =>
  typeof value === "string" && value !== "" ? { owner: value } : {};
