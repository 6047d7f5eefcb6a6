// The route table from the server's `fastapi-lint/routes` request, read defensively: the
// answer comes from another process. No `vscode` import: tested with the Node test runner.

export const ROUTES_REQUEST = "fastapi-lint/routes";

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** One route as the server sends it. */
export interface Route {
  method: string;
  path: string;
  name: string;
  uri: string;
  range: Range;
}

/** What the quick pick shows for a route, and where picking it goes. */
export interface RouteItem {
  label: string;
  description: string;
  detail: string;
  route: Route;
}

/** The well-formed routes of an answer; anything else in it is skipped. */
export function parseRoutes(answer: unknown): Route[] {
  if (!Array.isArray(answer)) {
    return [];
  }
  return answer.filter(isRoute);
}

/** Quick pick items: `GET /items/{id}`, the handler's name, and file:line. */
export function routeItems(routes: Route[], describeUri: (uri: string) => string): RouteItem[] {
  return routes.map((route) => ({
    label: `${route.method} ${route.path}`,
    description: route.name,
    detail: `${describeUri(route.uri)}:${route.range.start.line + 1}`,
    route,
  }));
}

function isRoute(value: unknown): value is Route {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const route = value as Record<string, unknown>;
  return (
    typeof route.method === "string" &&
    typeof route.path === "string" &&
    typeof route.name === "string" &&
    typeof route.uri === "string" &&
    isRange(route.range)
  );
}

function isRange(value: unknown): value is Range {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const range = value as Record<string, unknown>;
  return isPosition(range.start) && isPosition(range.end);
}

function isPosition(value: unknown): value is Position {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const position = value as Record<string, unknown>;
  return isCount(position.line) && isCount(position.character);
}

function isCount(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}
