/**
 * The repository configuration, `.github/planwright.yml`, read from the default branch only. Every
 * key has a default, every object is strict (a typo is an error, not a silently ignored key), and an
 * invalid file never falls back to the defaults: callers get diagnostics and must report them.
 */
import { z } from "zod";
import { decodeSource } from "./plan/decode-source.js";
import { formatDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from "./plan/diagnostics.js";
import { resolveLimits } from "./plan/limits.js";
import { parsePlanYaml } from "./plan/parse.js";
import { closest, formatField, quote } from "./plan/plan-labels.js";
import { DURATION_PATTERN, policySchema, RISK_LEVELS, verifySchema } from "./plan/schema.js";
import { NULL_LOCATOR, type Locator, type PlanPath } from "./plan/yaml-positions.js";

/** Where the configuration lives, relative to the repository root. */
export const CONFIG_FILE = ".github/planwright.yml";

/** Permission levels, weakest first, as `who_can_command` names them. */
export const PERMISSION_LEVELS = ["read", "triage", "write", "maintain", "admin"] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

/** A configuration file is small; anything larger is a mistake or an attack. */
const MAX_CONFIG_BYTES = 64 * 1024;

const approvalCount = z.number().int().min(1).max(20);

const byRiskSchema = z.strictObject(
  Object.fromEntries(RISK_LEVELS.map((r) => [r, approvalCount.optional()])) as Record<
    (typeof RISK_LEVELS)[number],
    z.ZodOptional<typeof approvalCount>
  >,
);

export const approvalsConfigSchema = z
  .strictObject({
    required: approvalCount.default(1).describe("approvals needed before a plan may execute"),
    by_risk: byRiskSchema
      .optional()
      .describe("approvals needed per risk level; defaults to at least 2 for high and critical"),
    allow_requester: z.boolean().default(true).describe("whether the requester's own approval counts"),
  })
  // Derived rather than a fixed default, so `required: 3` alone never lets a high-risk plan through
  // with fewer approvals than a low-risk one.
  .transform((a) => ({
    ...a,
    by_risk: a.by_risk ?? { high: Math.max(2, a.required), critical: Math.max(2, a.required) },
  }));

export const executionConfigSchema = z.strictObject({
  auto_execute: z.boolean().default(true).describe("dispatch the workflow as soon as approvals hold"),
  workflow: z
    .string()
    .regex(/^[A-Za-z0-9._-]+\.ya?ml$/, {
      message: "must be a workflow file name such as planwright.yml (no folder)",
    })
    .default("planwright.yml"),
  concurrency: z.number().int().min(1).max(32).default(4),
  stop_on_error: z.boolean().default(true),
  allow_forks: z.boolean().default(false).describe("whether plans may execute for pull requests from forks"),
  sandbox: z
    .enum(["required", "auto", "off"])
    .optional()
    .describe(
      "run plan and verify commands under bubblewrap: required (fail closed; the Action's default), auto (the CLI's default), or off",
    ),
  sandbox_network: z.boolean().default(true).describe("whether sandboxed commands may use the network"),
});

export const defaultsConfigSchema = z.strictObject({
  verify: verifySchema.optional(),
  timeout: z
    .string()
    .regex(DURATION_PATTERN, { message: "must be a duration such as 30s, 10m or 1h" })
    .default("10m"),
  retries: z.number().int().min(0).max(10).default(2),
});

export const budgetConfigSchema = z.strictObject({
  max_usd: z.number().positive().default(5),
  max_minutes: z.number().positive().default(60),
  max_turns_per_task: z.number().int().positive().default(30),
});

const globs = z.array(z.string().min(1, { message: "must not be empty" }));

/** The plan's policy plus what only the configuration may say: which protected paths plans may touch. */
export const configPolicySchema = policySchema.extend({
  protected: z
    .strictObject({
      allow: globs
        .default([])
        .describe("protected paths a plan may touch when a task names them and the plan's risk is critical"),
      add: globs.default([]).describe("globs added to the built-in protected list"),
    })
    .optional(),
});

export const configSchema = z.strictObject({
  model: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/, {
      message: "must be a model name such as claude-sonnet-4-6",
    })
    .default("claude-sonnet-4-6"),
  who_can_command: z.enum(PERMISSION_LEVELS).default("write"),
  approvals: approvalsConfigSchema.prefault({}),
  execution: executionConfigSchema.prefault({}),
  defaults: defaultsConfigSchema.prefault({}),
  policy: configPolicySchema.prefault({}),
  budget: budgetConfigSchema.prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** The configuration of a repository without `.github/planwright.yml`. */
export const DEFAULT_CONFIG: Config = Object.freeze(configSchema.parse({}));

/** What {@link parseConfig} and {@link validateConfigObject} return. */
export interface ConfigResult {
  /** Present only when there are no errors. */
  config?: Config;
  /** Problems, sorted; positions are 0:0 when the source had no lines (an already-parsed object). */
  diagnostics: Diagnostic[];
}

type Issue = z.core.$ZodIssue;

function valueAt(data: unknown, path: PlanPath): unknown {
  let v = data;
  for (const segment of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[segment];
  }
  return v;
}

function unwrap(schema: unknown): unknown {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPrefault) s = s.unwrap();
    else if (s instanceof z.ZodPipe) s = s.in;
    else return s;
  }
}

function knownKeys(path: PlanPath): string[] {
  let schema: unknown = configSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject && typeof segment === "string") schema = schema.shape[segment];
    else if (schema instanceof z.ZodArray && typeof segment === "number") schema = schema.element;
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

const EXPECTED: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
};

function found(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return quote(value, 40);
  return String(value);
}

function whatIsWrong(issue: Issue, value: unknown): string {
  // Our own messages start lowercase ("must …"); zod's defaults start with a capital.
  const own = /^[a-z]/.test(issue.message) ? issue.message : undefined;
  switch (issue.code) {
    case "invalid_type":
      return `must be ${EXPECTED[issue.expected] ?? issue.expected} (found ${found(value)})`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => String(v)).join(", ")} (found ${found(value)})`;
    case "too_small":
      if (issue.origin === "array" || issue.origin === "string") return own ?? "must not be empty";
      return Number(issue.minimum) === 0 && !issue.inclusive
        ? `must be positive (found ${found(value)})`
        : `must be at least ${String(issue.minimum)} (found ${found(value)})`;
    case "too_big":
      return `must be at most ${String(issue.maximum)} (found ${found(value)})`;
    case "invalid_union":
      return `must be a command or false (found ${found(value)})`;
    default:
      return `${own ?? issue.message.toLowerCase()} (found ${found(value)})`;
  }
}

function checkConfig(data: unknown, locator: Locator, positioned: boolean): ConfigResult {
  const result = configSchema.safeParse(data);
  if (result.success) return { config: result.data, diagnostics: [] };
  const where = (p: { line: number; col: number }) => (positioned ? p : { line: 0, col: 0 });
  const diagnostics = result.error.issues.flatMap((issue): Diagnostic[] => {
    const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
    if (issue.code === "unrecognized_keys") {
      const allowed = knownKeys(path);
      return issue.keys.map((key) => {
        const guess = closest(key, allowed);
        const hint = guess ? ` (did you mean "${guess}"?)` : ` (allowed: ${allowed.join(", ")})`;
        const field = formatField([...path, key]);
        return {
          severity: "error",
          ...where(locator.key([...path, key])),
          path: [...path, key],
          message: `unknown key ${quote(field, 60)}${hint}`,
        };
      });
    }
    const value = valueAt(data, path);
    const field = formatField(path);
    const message = field === "" ? whatIsWrong(issue, value) : `${field} ${whatIsWrong(issue, value)}`;
    return [{ severity: "error", ...where(locator.value(path)), path, message }];
  });
  return { diagnostics };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function finish(data: unknown, locator: Locator, positioned: boolean, pre: Diagnostic[]): ConfigResult {
  const checked = checkConfig(data, locator, positioned);
  const sorted = sortDiagnostics([...pre, ...checked.diagnostics]);
  if (hasErrors(sorted) || !checked.config) return { diagnostics: sorted };
  return { config: checked.config, diagnostics: sorted };
}

/**
 * Parses and validates the text of `.github/planwright.yml`. A missing (undefined), empty or
 * comment-only file gives the defaults; anything else must validate, with each problem reported at
 * its LINE:COL. Never throws.
 */
export function parseConfig(text: string | undefined, file: string = CONFIG_FILE): ConfigResult {
  try {
    if (text === undefined || text.replace(/#.*$/gm, "").trim() === "") {
      return { config: configSchema.parse({}), diagnostics: [] };
    }
    const limits = resolveLimits({ maxBytes: MAX_CONFIG_BYTES, maxDepth: 16 });
    const decoded = decodeSource(text, limits);
    if (decoded.text === undefined) return { diagnostics: decoded.diagnostics };
    const parsed = parsePlanYaml(decoded.text.replace(/^\uFEFF/, ""), limits);
    if (parsed.data === undefined || hasErrors(parsed.diagnostics)) {
      return { diagnostics: sortDiagnostics(parsed.diagnostics) };
    }
    const pre = [...parsed.diagnostics];
    let data = parsed.data;
    if (isMapping(data) && "_extends" in data) {
      // Only the App (through Probot) resolves `_extends`; elsewhere it would silently be ignored.
      const at = parsed.locator.key(["_extends"]);
      pre.push({
        severity: "warning",
        ...at,
        path: ["_extends"],
        message: "_extends is only resolved by the GitHub App; it is ignored here",
      });
      const { _extends: _ignored, ...rest } = data;
      data = rest;
    }
    return finish(data, parsed.locator, true, pre);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      diagnostics: [
        {
          severity: "error",
          line: 1,
          col: 1,
          message: `internal error while checking ${file}: ${message.split("\n")[0]}`,
        },
      ],
    };
  }
}

/**
 * Validates a configuration that arrives already parsed (Probot's `context.config`, with `_extends`
 * resolved): `_extends` is dropped, `null`/`undefined` mean "no file" (the defaults). Lines are
 * unknown, so diagnostics are at 0:0 and name the key path in the message.
 */
export function validateConfigObject(obj: unknown): ConfigResult {
  if (obj === null || obj === undefined) return { config: configSchema.parse({}), diagnostics: [] };
  if (!isMapping(obj)) {
    return {
      diagnostics: [
        {
          severity: "error",
          line: 0,
          col: 0,
          path: [],
          message: `expected a mapping (key: value lines) at the top level, found ${found(obj)}`,
        },
      ],
    };
  }
  const { _extends: _ignored, ...rest } = obj;
  return finish(rest, NULL_LOCATOR, false, []);
}

/** `FILE:LINE:COL: error: MESSAGE`, or `FILE: error: MESSAGE` when the position is unknown (0:0). */
export function formatConfigDiagnostic(file: string, d: Diagnostic): string {
  return d.line > 0 ? formatDiagnostic(file, d) : `${file}: ${d.severity}: ${d.message}`;
}

/** The approvals a plan of `risk` needs under `approvals`. */
export function requiredApprovals(
  approvals: Config["approvals"],
  risk: (typeof RISK_LEVELS)[number],
): number {
  return approvals.by_risk[risk] ?? approvals.required;
}
