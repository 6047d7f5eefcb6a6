import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRoutes, routeItems } from "../routes";

const range = { start: { line: 11, character: 4 }, end: { line: 11, character: 14 } };
const route = { method: "GET", path: "/items/{item_id}", name: "read_item", uri: "file:///app/main.py", range };

describe("parseRoutes", () => {
  it("keeps well-formed routes", () => {
    assert.deepEqual(parseRoutes([route]), [route]);
  });

  it("skips malformed entries and answers that are not lists", () => {
    const broken = [
      { ...route, method: 1 },
      { ...route, range: { start: { line: -1, character: 0 }, end: range.end } },
      { ...route, range: undefined },
      null,
      "GET /",
    ];
    assert.deepEqual(parseRoutes([...broken, route]), [route]);
    assert.deepEqual(parseRoutes(null), []);
    assert.deepEqual(parseRoutes({ routes: [route] }), []);
  });
});

describe("routeItems", () => {
  it("shows method and path, the handler, and its 1-based line", () => {
    assert.deepEqual(routeItems([route], () => "main.py"), [
      { label: "GET /items/{item_id}", description: "read_item", detail: "main.py:12", route },
    ]);
  });
});
