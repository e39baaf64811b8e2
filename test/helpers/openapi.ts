/**
 * Request-shape checks against GitHub's own OpenAPI description (`@octokit/openapi`): a mocked
 * request that GitHub would not accept (unknown route, wrong method, missing or mistyped body
 * field) fails the test instead of passing against a mock that is as wrong as the code.
 *
 * The validator covers the practical subset of JSON Schema the description uses for request
 * bodies: $ref, type (with `nullable`), required, properties, additionalProperties, enum, items,
 * oneOf/anyOf (passes when any branch passes), allOf, min/max length, items, values and
 * properties, pattern.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type nock from "nock";
import { show, typeOf, validate, type Schema } from "./openapi-schema.js";

interface Parameter {
  $ref?: string;
  name?: string;
  in?: string;
  required?: boolean;
  schema?: Schema;
  "x-multi-segment"?: boolean;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
}

interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}

interface Route {
  template: string;
  /** Parameters match one path segment each. */
  strict: RegExp;
  /** Parameters marked `x-multi-segment` may span segments (`contents/{path}`, `git/refs/{ref}`). */
  loose: RegExp;
  literalLength: number;
  operations: Record<string, Operation>;
}

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

let cached: { spec: Spec; routes: Route[] } | undefined;

/** Names of the path parameters that may hold slashes in any operation of a path. */
function multiSegmentParameters(spec: Spec, operations: Record<string, Operation>): Set<string> {
  const names = new Set<string>();
  for (const operation of Object.values(operations)) {
    for (const parameter of parametersOf(spec, operation)) {
      if (parameter["x-multi-segment"] && parameter.name) names.add(parameter.name);
    }
  }
  return names;
}

/** An operation's parameters with `$ref`s resolved. */
function parametersOf(spec: Spec, operation: Operation): Parameter[] {
  return (operation.parameters ?? []).flatMap((raw) => {
    const ref = raw.$ref?.replace("#/components/parameters/", "");
    const parameter = (ref !== undefined ? spec.components.parameters?.[ref] : raw) as Parameter | undefined;
    return parameter ? [parameter] : [];
  });
}

/** Query-string problems: parameters the operation does not take, values of the wrong type or enum. */
function queryErrors(operation: Operation, query: URLSearchParams): string[] {
  const known = new Map(
    parametersOf(load().spec, operation)
      .filter((parameter) => parameter.in === "query" && parameter.name)
      .map((parameter) => [parameter.name as string, parameter]),
  );
  const errors: string[] = [];
  for (const [name, parameter] of known) {
    if (parameter.required && !query.has(name)) errors.push(`query: missing required parameter "${name}"`);
  }
  for (const [name, value] of query) {
    const parameter = known.get(name);
    if (!parameter) {
      errors.push(`query: unknown parameter "${name}"`);
      continue;
    }
    const schema = parameter.schema ? resolve(parameter.schema) : {};
    if (schema.type === "integer" && !/^-?\d+$/.test(value))
      errors.push(`query.${name}: "${value}" is not an integer`);
    if (schema.type === "boolean" && value !== "true" && value !== "false") {
      errors.push(`query.${name}: "${value}" is not a boolean`);
    }
    if (schema.enum && !schema.enum.map(String).includes(value)) {
      errors.push(`query.${name}: "${value}" is not one of ${schema.enum.map(show).join(", ")}`);
    }
  }
  return errors;
}

/** The description is 13 MB: parse it once per test worker, on first use. */
function load(): { spec: Spec; routes: Route[] } {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
  const spec = JSON.parse(readFileSync(file, "utf8")) as Spec;
  const routes: Route[] = Object.entries(spec.paths).map(([template, operations]) => {
    const parts = template.split(/(\{[^}]+\})/).filter((part) => part !== "");
    const multi = multiSegmentParameters(spec, operations);
    const source = (loose: boolean): string =>
      parts
        .map((part) => {
          if (!part.startsWith("{")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
          return loose && multi.has(part.slice(1, -1)) ? ".+" : "[^/]+";
        })
        .join("");
    const literalLength = parts.filter((part) => !part.startsWith("{")).join("").length;
    const ops: Record<string, Operation> = {};
    for (const [method, operation] of Object.entries(operations)) {
      if (HTTP_METHODS.has(method)) ops[method] = operation;
    }
    return {
      template,
      strict: new RegExp(`^${source(false)}$`),
      loose: new RegExp(`^${source(true)}$`),
      literalLength,
      operations: ops,
    };
  });
  cached = { spec, routes };
  return cached;
}

/** The templated routes matching an actual path, most specific first. */
function routesFor(path: string): Route[] {
  const { routes } = load();
  const byLiterals = (a: Route, b: Route): number => b.literalLength - a.literalLength;
  const strict = routes.filter((route) => route.strict.test(path)).sort(byLiterals);
  const loose = routes.filter((route) => !strict.includes(route) && route.loose.test(path)).sort(byLiterals);
  return [...strict, ...loose];
}

function resolve(schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; current.$ref !== undefined; depth++) {
    const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(current.$ref);
    const target = match ? load().spec.components[match[1] as string]?.[match[2] as string] : undefined;
    if (!target || depth > 32) throw new Error(`OpenAPI: cannot resolve ${current.$ref}`);
    current = target as Schema;
  }
  return current;
}

/** Options of {@link assertMatchesOpenApi}. */
export interface OpenApiCheckOptions {
  /** Refuse body properties an object schema does not list (default true). */
  strict?: boolean;
}

/**
 * Throws unless `method path` is an operation of GitHub's REST API and `body` (parsed JSON, or
 * undefined for none) satisfies the operation's request-body schema. `path` is the actual URL path
 * (`/repos/o/r/issues/1/comments`), with or without an origin; query parameters must be ones the
 * operation takes, with values of their type and enum.
 */
export function assertMatchesOpenApi(
  method: string,
  path: string,
  body?: unknown,
  options: OpenApiCheckOptions = {},
): void {
  const verb = method.toLowerCase();
  const bare = path.replace(/^https?:\/\/[^/]+/, "").replace(/[?#].*$/, "");
  const routes = routesFor(bare);
  if (routes.length === 0)
    throw new Error(`OpenAPI: ${method.toUpperCase()} ${bare}: no such path in the GitHub REST API`);
  const route = routes.find((candidate) => candidate.operations[verb] !== undefined);
  if (!route) {
    const allowed = Object.keys(routes[0]?.operations ?? {}).map((m) => m.toUpperCase());
    throw new Error(
      `OpenAPI: ${method.toUpperCase()} ${bare}: method not allowed on ${routes[0]?.template} (allowed: ${allowed.join(", ")})`,
    );
  }
  const operation = route.operations[verb] as Operation;
  const where = `${method.toUpperCase()} ${route.template}`;
  const search = /\?([^#]*)/.exec(path)?.[1];
  const badQuery = search ? queryErrors(operation, new URLSearchParams(search)) : [];
  if (badQuery.length > 0) throw new Error(`OpenAPI: ${where}: ${badQuery.join("; ")}`);
  const requestBody = operation.requestBody;
  const hasBody = body !== undefined && body !== "";
  if (!requestBody) {
    const empty = typeOf(body) === "object" && Object.keys(body as object).length === 0;
    if (hasBody && !empty) throw new Error(`OpenAPI: ${where}: takes no request body, got ${show(body)}`);
    return;
  }
  if (!hasBody) {
    if (requestBody.required) throw new Error(`OpenAPI: ${where}: request body required`);
    return;
  }
  const schema = requestBody.content?.["application/json"]?.schema;
  if (!schema) return;
  const errors = validate(resolve, schema, body, "body", options.strict ?? true);
  if (errors.length > 0) throw new Error(`OpenAPI: ${where}: ${errors.join("; ")}`);
}

/** One request seen by {@link checkAllRequests}. */
export interface SeenRequest {
  method: string;
  path: string;
  body: unknown;
}

/** What {@link checkAllRequests} returns: what was seen and what did not match the description. */
export interface RequestCheck {
  readonly requests: SeenRequest[];
  readonly violations: string[];
  /** Throws when any intercepted request did not match the OpenAPI description. */
  assertValid(): void;
}

/**
 * Validates every request the nock scope intercepts against the OpenAPI description. A failure
 * inside nock's event handler would be swallowed or crash the worker, so violations are collected
 * and reported by `assertValid()` (call it next to `scope.done()`).
 */
export function checkAllRequests(scope: nock.Scope, options: OpenApiCheckOptions = {}): RequestCheck {
  const requests: SeenRequest[] = [];
  const violations: string[] = [];
  scope.on(
    "request",
    (req: { method: string; url?: string; path?: string }, _interceptor: unknown, text?: string) => {
      const url = req.url ?? req.path ?? "";
      const path = url.replace(/^https?:\/\/[^/]+/, "");
      let body: unknown = undefined;
      if (typeof text === "string" && text !== "") {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      requests.push({ method: req.method.toUpperCase(), path, body });
      try {
        assertMatchesOpenApi(req.method, path, body, options);
      } catch (error) {
        violations.push(error instanceof Error ? error.message : String(error));
      }
    },
  );
  return {
    requests,
    violations,
    assertValid() {
      if (violations.length > 0) throw new Error(violations.join("\n"));
    },
  };
}
