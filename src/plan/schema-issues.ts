/**
 * Checks plan data against the zod schema and turns each issue into a positioned, human message:
 * unknown keys at the key (with a suggestion), missing keys at the parent, bad values at the value.
 */
import { z } from "zod";
import type { Diagnostic } from "./diagnostics.js";
import { closest, describe, formatField, quote, splitSubject } from "./plan-labels.js";
import { planSchema, type Plan } from "./schema.js";
import type { Locator, PlanPath, Position } from "./yaml-positions.js";

type Issue = z.core.$ZodIssue;

function at(p: Position, message: string): Diagnostic {
  return { severity: "error", line: p.line, col: p.col, message };
}

function valueAt(data: unknown, path: PlanPath): unknown {
  let v = data;
  for (const segment of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[segment];
  }
  return v;
}

/** The keys the schema allows for the object at `path` (list indexes skipped). */
export function knownKeys(path: PlanPath): string[] {
  let schema: unknown = planSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodArray && typeof segment === "number") schema = schema.element;
    else if (schema instanceof z.ZodObject && typeof segment === "string") schema = schema.shape[segment];
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: unknown): unknown {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap();
  return s;
}

// Where each kind of mapping lives, to tell a misplaced key (a `timeout` on a phase) from a typo.
const PLACES: [string, PlanPath][] = [
  ["the plan", []],
  ["base", ["base"]],
  ["budget", ["budget"]],
  ["policy", ["policy"]],
  ["defaults", ["defaults"]],
  ["a phase", ["phases", 0]],
  ["a task", ["phases", 0, "tasks", 0]],
  ["edit", ["phases", 0, "tasks", 0, "edit"]],
  ["write", ["phases", 0, "tasks", 0, "write"]],
  ["delete", ["phases", 0, "tasks", 0, "delete"]],
];

/** The places other than `path` where `key` is allowed, e.g. `a task or defaults`. */
function homesOf(key: string, path: PlanPath): string | undefined {
  const here = path.map((s) => (typeof s === "number" ? 0 : s)).join("/");
  const homes = PLACES.filter(([, p]) => p.join("/") !== here && knownKeys(p).includes(key)).map(
    ([name]) => name,
  );
  return homes.length > 0 ? homes.join(" or ") : undefined;
}

const EXPECTED: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
};

/** A short description of a value found where something else was expected. */
function found(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array) return "binary data";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return quote(value, 40);
  return String(value);
}

// Our schema's own messages start lowercase ("must …"); zod's defaults start with a capital.
function custom(issue: Issue): string | undefined {
  return /^[a-z]/.test(issue.message) ? issue.message : undefined;
}

function whatIsWrong(issue: Issue, value: unknown): string {
  const own = custom(issue);
  switch (issue.code) {
    case "invalid_type":
      return own ?? `must be ${EXPECTED[issue.expected] ?? issue.expected} (found ${found(value)})`;
    case "invalid_value":
      return own ?? `must be one of ${issue.values.map((v) => String(v)).join(", ")} (found ${found(value)})`;
    case "too_small":
      if (own) return own.startsWith("must") ? own : `must not be empty (${own})`;
      if (issue.origin === "number" || issue.origin === "int") {
        return Number(issue.minimum) === 0 && !issue.inclusive
          ? `must be positive (found ${found(value)})`
          : `must be at least ${String(issue.minimum)} (found ${found(value)})`;
      }
      return `must have at least ${String(issue.minimum)} item(s)`;
    case "too_big":
      return own ?? `must be at most ${String(issue.maximum)} (found ${found(value)})`;
    case "invalid_format":
      return own ?? `has an invalid format (found ${found(value)})`;
    case "invalid_union": {
      // The only union in the schema is `verify` (a command or false).
      if (issue.path[issue.path.length - 1] === "verify")
        return `must be a command or false (found ${found(value)})`;
      const branch = issue.errors[0]?.[0];
      return branch ? whatIsWrong(branch, value) : `is not valid (found ${found(value)})`;
    }
    default:
      return own ?? issue.message.toLowerCase();
  }
}

/** `task "x": message`, or `task "x": edit <verb> message` when the object is nested in the task. */
function within(objectPath: PlanPath, data: unknown, message: string, verb: string): string {
  const { subject, rest } = splitSubject(objectPath, data);
  const field = formatField(rest);
  const body = field === "" ? message : `${field} ${verb} ${message}`;
  return subject ? `${subject}: ${body}` : body;
}

function issueDiagnostics(issue: Issue, data: unknown, locator: Locator): Diagnostic[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
  if (issue.code === "unrecognized_keys") {
    const allowed = knownKeys(path);
    return issue.keys.map((key) => {
      const guess = closest(key, allowed);
      const home = homesOf(key, path);
      const hint = guess
        ? ` (did you mean "${guess}"?)`
        : home
          ? ` (it belongs in ${home}, not here)`
          : ` (allowed: ${allowed.join(", ")})`;
      const message = `unknown key ${quote(key, 40)}${hint}`;
      return at(locator.key([...path, key]), within(path, data, message, "has an"));
    });
  }
  const value = valueAt(data, path);
  const parentPath = path.slice(0, -1);
  const parent = valueAt(data, parentPath);
  const last = path[path.length - 1];
  if (
    value === undefined &&
    typeof last === "string" &&
    parent !== null &&
    typeof parent === "object" &&
    !Array.isArray(parent)
  ) {
    const message = `missing required key "${last}"`;
    return [at(locator.missing(parentPath), within(parentPath, data, message, "is"))];
  }
  return [at(locator.value(path), describe(path, data, whatIsWrong(issue, value)))];
}

/** Validates `data` against the plan schema; `plan` is set only when it conforms. */
export function checkSchema(data: unknown, locator: Locator): { plan?: Plan; diagnostics: Diagnostic[] } {
  const result = planSchema.safeParse(data);
  if (result.success) return { plan: result.data, diagnostics: [] };
  return { diagnostics: result.error.issues.flatMap((issue) => issueDiagnostics(issue, data, locator)) };
}
