import { TAG_MAX_LENGTH } from "./limits.js";

// The `endpoint:` tag of per-endpoint series (docs/datadog.md, "Endpoint metrics"). Datadog lowercases a tag and
// turns every character other than letters, digits and `_ - : . /` into `_` (getting_started/tagging); its agent
// also collapses runs of `_` and drops trailing ones. The value made here is already all of that, so it is what
// Datadog stores whichever way it normalises, and the same name always gives the same tag:
// "POST /api/cart/{id}" -> "endpoint:post_/api/cart/_id". Two names differing only in such characters share a tag.

export const ENDPOINT_TAG_KEY = "endpoint";

/** Text as Datadog's tag rules leave it: lowercase, its character set (others as `_`), runs of `_` collapsed. */
export const tagCharacters = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\-:./]/gu, "_")
    .replace(/_+/g, "_");

/** The tag value of an endpoint name: lowercase, Datadog's character set, no `__`, no trailing `_` or `:`. */
export const endpointTagValue = (name: string): string => {
  const value = tagCharacters(name)
    .slice(0, TAG_MAX_LENGTH - ENDPOINT_TAG_KEY.length - 1)
    .replace(/[_:]+$/, "");
  return value === "" ? "_" : value;
};

/** `endpoint:<value>`. */
export const endpointTag = (name: string): string => `${ENDPOINT_TAG_KEY}:${endpointTagValue(name)}`;
