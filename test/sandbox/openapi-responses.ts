/**
 * Response shapes from GitHub's own OpenAPI description (`@octokit/openapi`), so the sandbox cannot
 * drift from what GitHub really answers. The sandbox writes only the fields it knows; every other
 * property the schema requires is filled with a plausible value of the documented type, and the
 * result is validated: a hand-written field of the wrong type, a value outside an enum or a route
 * that GitHub does not have is a violation the sandbox records (and its tests fail on).
 *
 * The validator covers the practical subset of JSON Schema the description uses: $ref, type,
 * nullable, required, properties, additionalProperties, enum, items, oneOf/anyOf, allOf.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

interface Schema {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  format?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  enum?: unknown[];
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
}

interface ResponseObject {
  $ref?: string;
  content?: Record<string, { schema?: Schema }>;
}

interface Spec {
  paths: Record<string, Record<string, { responses?: Record<string, ResponseObject> }>>;
  components: Record<string, Record<string, unknown>>;
}

let spec: Spec | undefined;

/** The description is 13 MB: parse it once per process, on first use. */
function load(): Spec {
  if (spec) return spec;
  const require = createRequire(import.meta.url);
  const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
  spec = JSON.parse(readFileSync(file, "utf8")) as Spec;
  return spec;
}

function deref<T extends { $ref?: string }>(node: T): T {
  let current = node;
  for (let depth = 0; current.$ref !== undefined; depth++) {
    const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(current.$ref);
    const target = match ? load().components[match[1] as string]?.[match[2] as string] : undefined;
    if (!target || depth > 32) throw new Error(`OpenAPI: cannot resolve ${current.$ref}`);
    current = target as T;
  }
  return current;
}

/**
 * The JSON schema of the response of `method template` with `status`, or undefined when the
 * operation documents no JSON body for it. Throws when GitHub has no such operation or status.
 */
export function responseSchema(method: string, template: string, status: number): Schema | undefined {
  const operation = load().paths[template]?.[method.toLowerCase()];
  if (!operation) throw new Error(`OpenAPI: ${method.toUpperCase()} ${template}: no such operation`);
  const raw = operation.responses?.[String(status)];
  if (!raw) {
    const documented = Object.keys(operation.responses ?? {}).join(", ");
    throw new Error(
      `OpenAPI: ${method.toUpperCase()} ${template}: status ${status} not documented (${documented})`,
    );
  }
  return deref(raw).content?.["application/json"]?.schema;
}

function typesOf(schema: Schema): string[] {
  if (schema.type === undefined) return [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** A plausible value of a schema, for a required property the sandbox did not set. */
function placeholder(raw: Schema, name: string, depth: number): unknown {
  const schema = deref(raw);
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  const branch = schema.oneOf?.[0] ?? schema.anyOf?.[0];
  if (branch) return placeholder(branch, name, depth);
  if (schema.allOf) {
    return schema.allOf.reduce<Record<string, unknown>>(
      (acc, part) => Object.assign(acc, placeholder(part, name, depth) as object),
      {},
    );
  }
  const types = typesOf(schema).filter((type) => type !== "null");
  if (types.length === 0 && schema.properties) types.push("object");
  if (schema.nullable && (depth > 3 || types[0] === "object")) return null;
  switch (types[0]) {
    case "string":
      if (schema.format === "date-time") return "2026-01-01T00:00:00Z";
      if (schema.format === "uri" || name.endsWith("url")) return `https://sandbox.invalid/${name}`;
      return "";
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return false;
    case "array":
      return [];
    case "object":
      return complete(schema, {}, depth + 1);
    default:
      return null;
  }
}

/** `partial` with every property the schema requires and the sandbox left out filled in. */
function complete(raw: Schema, partial: unknown, depth = 0): unknown {
  const schema = deref(raw);
  if (Array.isArray(partial)) {
    return schema.items ? partial.map((item) => complete(schema.items as Schema, item, depth + 1)) : partial;
  }
  if (partial === null || typeof partial !== "object") return partial;
  const value: Record<string, unknown> = { ...(partial as Record<string, unknown>) };
  for (const part of schema.allOf ?? []) Object.assign(value, complete(part, value, depth) as object);
  const branches = schema.oneOf ?? schema.anyOf;
  if (branches && !schema.properties) {
    // The first branch the completed body satisfies (a file, not a directory listing, …).
    const candidates = branches.map((branch) => complete(branch, value, depth));
    return (
      candidates.find((candidate, i) => validate(branches[i] as Schema, candidate, "").length === 0) ??
      candidates[0]
    );
  }
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (name in value) {
      value[name] = complete(property, value[name], depth + 1);
    } else if (schema.required?.includes(name)) {
      value[name] = placeholder(property, name, depth + 1);
    }
  }
  return value;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Errors of `value` against `schema`, each as `at: problem`. */
function validate(raw: Schema, value: unknown, at: string): string[] {
  const schema = deref(raw);
  const actual = typeOf(value);
  if (value === null && (schema.nullable || typesOf(schema).includes("null"))) return [];
  const types = typesOf(schema);
  if (types.length > 0 && !types.some((t) => t === actual || (t === "number" && actual === "integer"))) {
    return [`${at}: expected ${types.join(" or ")}, got ${actual}`];
  }
  const errors: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) {
    errors.push(
      `${at}: ${JSON.stringify(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`,
    );
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((item, index) => errors.push(...validate(items, item, `${at}[${index}]`)));
  }
  if (actual === "object") {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (!(name in object)) errors.push(`${at}: missing required property "${name}"`);
    }
    for (const [name, item] of Object.entries(object)) {
      const property = schema.properties?.[name];
      if (property) errors.push(...validate(property, item, `${at}.${name}`));
      else if (typeof schema.additionalProperties === "object")
        errors.push(...validate(schema.additionalProperties, item, `${at}.${name}`));
    }
  }
  for (const part of schema.allOf ?? []) errors.push(...validate(part, value, at));
  for (const key of ["oneOf", "anyOf"] as const) {
    const branches = schema[key];
    if (!branches) continue;
    const results = branches.map((branch) => validate(branch, value, at));
    if (!results.some((result) => result.length === 0)) {
      errors.push(`${at}: matches none of ${key} (${results.map((r) => r[0] ?? "").join("; or ")})`);
    }
  }
  return errors;
}

/**
 * The response body for `method template` with `status`: `partial` completed from the schema.
 * `problems` lists where the completed body still violates the schema (wrong types or enums the
 * sandbox wrote itself, or an undocumented operation or status).
 */
export function shapeResponse(
  method: string,
  template: string,
  status: number,
  partial: unknown,
): { body: unknown; problems: string[] } {
  let schema: Schema | undefined;
  try {
    schema = responseSchema(method, template, status);
  } catch (error) {
    return { body: partial, problems: [(error as Error).message] };
  }
  if (!schema || partial === undefined) return { body: partial, problems: [] };
  const body = complete(schema, partial);
  const where = `${method.toUpperCase()} ${template} ${status}`;
  const problems = validate(schema, body, "body").map((problem) => `OpenAPI: ${where}: ${problem}`);
  return { body, problems };
}
