/**
 * The plan loader: bytes in, a validated {@link Plan} or a sorted list of positioned problems out.
 * Reports every problem it can find in one pass (YAML, schema, semantics, policy), never throws.
 */
import { formatDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { resolveLimits, type PlanLimits } from "./limits.js";
import { countTaskEntries } from "./count-tasks.js";
import { decodeSource, utf8Length } from "./decode-source.js";
import { parsePlanYaml } from "./parse.js";
import { checkSchema } from "./schema-issues.js";
import type { Plan } from "./schema.js";
import { validatePlan } from "./validate.js";

/** What {@link loadPlan} returns. */
export interface LoadResult {
  /** The plan, present only when there are no errors (warnings allowed). */
  plan?: Plan;
  /** Every problem found, sorted by position. */
  diagnostics: Diagnostic[];
}

/** Options for {@link loadPlan}. */
export interface LoadOptions {
  /** Overrides of {@link DEFAULT_LIMITS}. */
  limits?: Partial<PlanLimits>;
  /** Further deny globs (e.g. from the repository configuration) applied to every path a task names. */
  extraDeny?: readonly string[];
  /** The configuration's `policy.protected` (see ValidateOptions.protected). */
  protected?: { allow?: readonly string[]; add?: readonly string[] };
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.line}:${d.col}:${d.severity}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The task limit checked before the parse, from a cheap lower bound of the count. A plan up to
 * twice the limit is parsed in full, so that every problem of a plan a little over comes in one
 * report; one certainly beyond that is refused at its first task over the limit, with its size,
 * without parsing (which would cost seconds and hundreds of MiB at ten times the limit).
 */
function precheckTaskCount(
  text: string,
  source: string | Uint8Array,
  maxTasks: number,
): Diagnostic | undefined {
  // counting stops past twice the limit: the refusal then reads the rest of the file no more
  const { count, position } = countTaskEntries(text, maxTasks + 1, 2 * maxTasks + 1);
  if (count <= 2 * maxTasks || !position) return undefined;
  const bytes = typeof source === "string" ? utf8Length(source) : source.length;
  return {
    severity: "error",
    ...position,
    message:
      `too many tasks: the plan has at least ${count}, over the limit of ${maxTasks} ` +
      `(${bytes} bytes; refused before parsing, so nothing else was checked)`,
  };
}

/**
 * Parses and validates a plan file. Problems come back as diagnostics pointing at the offending key
 * or value: YAML syntax, size and alias limits, schema, and semantic rules (unique ids, `needs`,
 * cycles, one task kind, path and command policy, declared risk).
 */
export function loadPlan(source: string | Uint8Array, options?: LoadOptions): LoadResult {
  try {
    const limits = resolveLimits(options?.limits);
    const decoded = decodeSource(source, limits);
    if (decoded.text === undefined) return { diagnostics: sortDiagnostics(decoded.diagnostics) };
    const overLimit = precheckTaskCount(decoded.text, source, limits.maxTasks);
    if (overLimit) return { diagnostics: [overLimit] };
    const parsed = parsePlanYaml(decoded.text, limits);
    const diagnostics = [...parsed.diagnostics];
    if (parsed.data === undefined) return { diagnostics: sortDiagnostics(dedupe(diagnostics)) };
    const schema = checkSchema(parsed.data, parsed.locator);
    diagnostics.push(...schema.diagnostics);
    diagnostics.push(
      ...validatePlan(parsed.data, parsed.locator, {
        limits,
        extraDeny: options?.extraDeny ?? [],
        ...(options?.protected ? { protected: options.protected } : {}),
        ...(schema.plan ? { plan: schema.plan } : {}),
      }),
    );
    const sorted = sortDiagnostics(dedupe(diagnostics));
    return hasErrors(sorted) || !schema.plan
      ? { diagnostics: sorted }
      : { plan: schema.plan, diagnostics: sorted };
  } catch (e) {
    // A bug of ours must still come out as one clear line, not a stack trace.
    const message = e instanceof Error ? e.message : String(e);
    return {
      diagnostics: [
        {
          severity: "error",
          line: 1,
          col: 1,
          message: `internal error while checking the plan: ${message.split("\n")[0]}`,
        },
      ],
    };
  }
}

/** One `FILE:LINE:COL: severity: message` line per diagnostic. */
export function formatProblems(file: string, diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => formatDiagnostic(file, d)).join("\n");
}
