import { v2 } from "@datadog/datadog-api-client";
import { errorReply, type Reply } from "./http-io.js";
import { hasUnparsed } from "./model-check.js";
import type { Route } from "./route.js";
import { modelled } from "./v2-models.js";

// The Software Catalog: GET /api/v2/catalog/entity (offset paging, filter[kind]/filter[owner], include=schema puts
// each entity's definition in `included`) and GET /api/v2/services/definitions (the older service-definition API:
// page[size]/page[number], v2.2 definitions). Entities are given as v3 definitions and checked with the official
// EntityV3 model; answers are built as the official response models and serialised by the client's serializer, so
// their shape is the one the client reads. Both routes need the application key (403 without it).

/** A catalog as the tests set it: v3 entity definitions (apiVersion, kind, metadata, extensions...). */
export interface CatalogState {
  entities: Record<string, unknown>[];
  /** False: the entity API answers 404, as where only the service-definition API is available. */
  entityApi: boolean;
}

const MAX_ENTITY_PAGE = 100;
const MAX_DEFINITION_PAGE = 100;

/** Throws when an entity does not fit the official EntityV3 model (a broken test fixture, not a case to serve). */
export const checkEntity = (entity: unknown): void => {
  const model = v2.ObjectSerializer.deserialize(entity, "EntityV3", "");
  if (model instanceof Object && hasUnparsed(model))
    throw new Error(`catalog entity does not fit EntityV3: ${JSON.stringify(entity).slice(0, 200)}`);
};

const metadataOf = (entity: Record<string, unknown>) =>
  (entity.metadata ?? {}) as { name: string; owner?: string; tags?: string[]; displayName?: string };

const integer = (text: string | undefined, fallback: number): number | undefined => {
  if (text === undefined) return fallback;
  return /^\d+$/.test(text) ? Number(text) : undefined;
};

const listEntities = (state: CatalogState, query: Record<string, string>): Reply => {
  if (!state.entityApi) return errorReply(404, "Not found");
  const offset = integer(query["page[offset]"], 0);
  const limit = integer(query["page[limit]"], 100);
  if (offset === undefined || limit === undefined || limit < 1 || limit > MAX_ENTITY_PAGE)
    return errorReply(400, `page[limit] must be 1 to ${MAX_ENTITY_PAGE}, page[offset] a whole number`);
  const kind = query["filter[kind]"];
  const owner = query["filter[owner]"];
  const matching = state.entities
    .map((entity, index) => ({ entity, id: `entity-${index + 1}` }))
    .filter(({ entity }) => kind === undefined || entity.kind === kind)
    .filter(({ entity }) => owner === undefined || metadataOf(entity).owner === owner);
  const page = matching.slice(offset, offset + limit);
  const withSchema = query.include === "schema";
  const body = {
    data: page.map(({ entity, id }) => {
      const metadata = metadataOf(entity);
      return {
        id,
        type: "entity",
        attributes: {
          apiVersion: entity.apiVersion,
          kind: entity.kind,
          name: metadata.name,
          namespace: "default",
          ...(metadata.owner === undefined ? {} : { owner: metadata.owner }),
          tags: metadata.tags ?? [],
        },
        ...(withSchema
          ? { relationships: { schema: { data: { id: `schema-${id}`, type: "schema" } } } }
          : {}),
      };
    }),
    ...(withSchema
      ? {
          included: page.map(({ entity, id }) => ({
            id: `schema-${id}`,
            type: "schema",
            attributes: { schema: entity },
          })),
        }
      : {}),
    meta: { count: matching.length, includeCount: withSchema ? page.length : 0 },
    links: {
      self: `/api/v2/catalog/entity?page[offset]=${offset}&page[limit]=${limit}`,
      ...(offset + limit < matching.length
        ? { next: `/api/v2/catalog/entity?page[offset]=${offset + limit}&page[limit]=${limit}` }
        : {}),
    },
  };
  return modelled(body, "ListEntityCatalogResponse");
};

const listDefinitions = (state: CatalogState, query: Record<string, string>): Reply => {
  const size = integer(query["page[size]"], 10);
  const number = integer(query["page[number]"], 0);
  if (size === undefined || number === undefined || size < 1 || size > MAX_DEFINITION_PAGE)
    return errorReply(400, `page[size] must be 1 to ${MAX_DEFINITION_PAGE}, page[number] a whole number`);
  const services = state.entities.filter((e) => e.kind === "service");
  const page = services.slice(number * size, (number + 1) * size);
  const body = {
    data: page.map((entity) => {
      const metadata = metadataOf(entity);
      return {
        id: `definition-${metadata.name}`,
        type: "service-definition",
        attributes: {
          meta: { ingestedSchemaVersion: "v2.2", ingestionSource: "api" },
          schema: {
            "schema-version": "v2.2",
            "dd-service": metadata.name,
            ...(metadata.owner === undefined ? {} : { team: metadata.owner }),
            tags: metadata.tags ?? [],
            ...(entity.extensions === undefined ? {} : { extensions: entity.extensions }),
          },
        },
      };
    }),
  };
  return modelled(body, "ServiceDefinitionsListResponse");
};

export const catalogRoutes = (state: CatalogState): Route[] => [
  {
    method: "GET",
    pattern: /^\/api\/v2\/catalog\/entity$/,
    auth: "api+app",
    handle: ({ query }) => listEntities(state, query),
  },
  {
    method: "GET",
    pattern: /^\/api\/v2\/services\/definitions$/,
    auth: "api+app",
    handle: ({ query }) => listDefinitions(state, query),
  },
];
