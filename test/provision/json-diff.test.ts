import { describe, expect, it } from "vitest";
import { appBaseUrl } from "../../src/provision/app-url.js";
import { differences } from "../../src/provision/json-diff.js";
import { dashboardWithoutReadOnly, monitorWithoutReadOnly } from "../../src/provision/read-only.js";

describe("differences", () => {
  it("ignores what Datadog adds and reports what dogdriver sets", () => {
    const wanted = { name: "a", options: { thresholds: { critical: 10 } }, tags: ["x"] };
    const actual = {
      id: 3,
      name: "a",
      options: { thresholds: { critical: 10 }, notify_audit: false },
      tags: ["x"],
    };
    expect(differences(wanted, actual)).toEqual([]);
    expect(differences({ ...wanted, options: { thresholds: { critical: 12 } } }, actual)).toEqual([
      "options.thresholds.critical: 10 -> 12",
    ]);
  });

  it("requires arrays to match item by item, and says when Datadog holds more", () => {
    expect(differences({ w: [1, 2] }, { w: [1, 3, 4] })).toEqual([
      "w[1]: 3 -> 2",
      "w: 1 item(s) more than wanted (removed)",
    ]);
    expect(differences({ w: [1, 2] }, { w: [1] })).toEqual(["w[1]: (missing) -> 2"]);
  });

  it("shows long strings from just before where they differ", () => {
    const a = `${"x".repeat(200)}old tail`;
    const b = `${"x".repeat(200)}new tail`;
    const [line] = differences({ q: b }, { q: a });
    expect(line).toContain("old tail");
    expect(line).toContain("new tail");
  });
});

describe("read-only fields", () => {
  it("are removed from dashboards, including widget ids inside groups", () => {
    const stripped = dashboardWithoutReadOnly({
      id: "abc",
      url: "/dashboard/abc",
      author_handle: "me",
      created_at: "t",
      modified_at: "t",
      title: "T",
      widgets: [{ id: 1, definition: { type: "group", widgets: [{ id: 2, definition: { type: "note" } }] } }],
    });
    expect(stripped).toEqual({
      title: "T",
      widgets: [{ definition: { type: "group", widgets: [{ definition: { type: "note" } }] } }],
    });
  });

  it("are removed from monitors", () => {
    expect(
      monitorWithoutReadOnly({
        id: 1,
        created: "t",
        creator: {},
        overall_state: "OK",
        multi: true,
        name: "n",
        query: "q",
      }),
    ).toEqual({ name: "n", query: "q" });
  });
});

describe("appBaseUrl", () => {
  it.each([
    ["datadoghq.com", "https://app.datadoghq.com"],
    ["datadoghq.eu", "https://app.datadoghq.eu"],
    ["us3.datadoghq.com", "https://us3.datadoghq.com"],
    ["ap1.datadoghq.com", "https://ap1.datadoghq.com"],
    ["ddog-gov.com", "https://app.ddog-gov.com"],
  ])("%s -> %s", (site, url) => expect(appBaseUrl(site)).toBe(url));
});
