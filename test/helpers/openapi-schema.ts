/**
 * The practical subset of JSON Schema (OpenAPI 3.0 flavour) that GitHub's description uses for
 * request bodies, as a validator returning every problem as `at: what`. Kept apart from the
 * route lookup in ./openapi.ts.
 */

/** A schema node; `$ref`s are resolved by the caller's resolver. */
export type Schema = {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  enum?: unknown[];
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  maxProperties?: number;
};

/** Resolves `$ref` schema nodes (to components of the description). */
export type Resolver = (schema: Schema) => Schema;

export function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === "number" && actual === "integer");
}

export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Errors of `value` against `schema`, each as `at: problem`. `strict` also refuses properties
 * an object schema does not list, which GitHub would silently ignore (a misspelt field).
 */
export function validate(
  resolve: Resolver,
  raw: Schema,
  value: unknown,
  at: string,
  strict: boolean,
): string[] {
  const schema = resolve(raw);
  const actual = typeOf(value);
  if (value === null && schema.nullable) return [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => typeMatches(type, actual))) {
      return [`${at}: expected ${types.join(" or ")}, got ${actual} ${show(value)}`];
    }
  }
  const errors: string[] = [];
  if (schema.enum && !schema.enum.some((option) => option === value)) {
    if (!(value === null && schema.enum.includes(null))) {
      errors.push(`${at}: ${show(value)} is not one of ${schema.enum.map(show).join(", ")}`);
    }
  }
  if (typeof value === "string") {
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      errors.push(`${at}: ${value.length} characters, more than the maximum ${schema.maxLength}`);
    }
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      errors.push(`${at}: ${value.length} characters, fewer than the minimum ${schema.minLength}`);
    }
    if (schema.pattern !== undefined && !safePattern(schema.pattern).test(value)) {
      errors.push(`${at}: ${show(value)} does not match /${schema.pattern}/`);
    }
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      errors.push(`${at}: ${value.length} items, more than the maximum ${schema.maxItems}`);
    }
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      errors.push(`${at}: ${value.length} items, fewer than the minimum ${schema.minItems}`);
    }
    if (schema.items) {
      const items = schema.items;
      value.forEach((item, index) =>
        errors.push(...validate(resolve, items, item, `${at}[${index}]`, strict)),
      );
    }
  }
  if (actual === "object")
    errors.push(...validateObject(resolve, schema, value as Record<string, unknown>, at, strict));
  for (const part of schema.allOf ?? []) errors.push(...validate(resolve, part, value, at, false));
  for (const key of ["oneOf", "anyOf"] as const) {
    const branches = schema[key];
    if (!branches) continue;
    const results = branches.map((branch) => validate(resolve, branch, value, at, strict));
    if (!results.some((result) => result.length === 0)) {
      const reasons = results.map((result) => result[0] ?? "").join("; or ");
      errors.push(`${at}: matches none of ${key} (${reasons})`);
    }
  }
  return errors;
}

function validateObject(
  resolve: Resolver,
  schema: Schema,
  value: Record<string, unknown>,
  at: string,
  strict: boolean,
): string[] {
  const errors: string[] = [];
  for (const name of schema.required ?? []) {
    if (!(name in value)) errors.push(`${at}: missing required property "${name}"`);
  }
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    errors.push(`${at}: ${count} properties, more than the maximum ${schema.maxProperties}`);
  }
  const known = new Set(Object.keys(schema.properties ?? {}));
  for (const part of schema.allOf ?? [])
    for (const name of Object.keys(resolve(part).properties ?? {})) known.add(name);
  for (const [name, item] of Object.entries(value)) {
    const property = schema.properties?.[name];
    if (property) {
      errors.push(...validate(resolve, property, item, `${at}.${name}`, strict));
    } else if (typeof schema.additionalProperties === "object") {
      errors.push(...validate(resolve, schema.additionalProperties, item, `${at}.${name}`, strict));
    } else if (!known.has(name)) {
      const closed =
        schema.additionalProperties === false ||
        (strict && schema.additionalProperties === undefined && schema.properties !== undefined);
      if (closed) errors.push(`${at}: unknown property "${name}"`);
    }
  }
  return errors;
}

const patterns = new Map<string, RegExp>();
function safePattern(source: string): RegExp {
  let pattern = patterns.get(source);
  if (!pattern) {
    try {
      pattern = new RegExp(source, "u");
    } catch {
      pattern = /[\s\S]*/;
    }
    patterns.set(source, pattern);
  }
  return pattern;
}
