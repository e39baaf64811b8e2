/**
 * What one task may touch, beyond the path policy: protected paths only when granted (named by the
 * task, plan risk critical, allowed by the configuration), never the executing plan file, and, for
 * an `edit` task, only the files it declares. Pure, so the plan validator, the task runner and the
 * apply-time check share one rule.
 */
import { checkPath, normalizePath, type MergedPathPolicy, type PolicyVerdict } from "./policy.js";
import { planFileOf, protectedEntry } from "./protected-paths.js";
import { assessPlanRisk } from "./risk.js";
import type { Plan, Task } from "./schema.js";

/** The configuration's say on protected paths (`policy.protected` in .github/planwright.yml). */
export interface ProtectedConfig {
  /** Protected paths a plan may touch when it names them and its risk is critical. */
  allow?: readonly string[];
  /** Globs added to the built-in protected list. */
  add?: readonly string[];
}

/** What {@link checkTaskPath} needs to judge protected paths for one task. */
export interface Protection {
  /** The executing plan file, normalised: no task may change it. */
  planFile: string;
  /** Protected paths this task may touch. */
  grants: readonly string[];
  /** Configured additions to the protected list. */
  add: readonly string[];
}

/** The normalised paths a task names (`edit.files`, `write.path`, `delete.path`). */
export function namedPaths(task: Task): string[] {
  const raw = [...(task.edit?.files ?? []), task.write?.path, task.delete?.path];
  const out: string[] = [];
  for (const p of raw) {
    if (p === undefined) continue;
    const n = normalizePath(p);
    if (n.ok && !out.includes(n.path)) out.push(n.path);
  }
  return out;
}

function globMatch(path: string, globs: readonly string[]): boolean {
  // exact globs, like the allow lists; the same picomatch rules through checkPath's allow side
  return globs.length > 0 && checkPath(path, { allow: [...globs] }).ok;
}

/** The protection of `task` of `plan` (the plan file defaults to `.planwright/plans/<id>.yaml`). */
export function protectionFor(
  plan: Plan,
  task: Task | undefined,
  config: ProtectedConfig = {},
  planFile?: string,
): Protection {
  const file = normalizePath(planFile ?? planFileOf(plan.id));
  const normalizedPlanFile = file.ok ? file.path : planFileOf(plan.id);
  const add = config.add ?? [];
  const allow = config.allow ?? [];
  const critical = assessPlanRisk(plan).level === "critical";
  const grants =
    task && critical
      ? namedPaths(task).filter(
          (p) =>
            protectedEntry(p, add) !== undefined && !samePath(p, normalizedPlanFile) && globMatch(p, allow),
        )
      : [];
  return { planFile: normalizedPlanFile, grants, add };
}

function samePath(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Whether a normalised path is protected for this task; the reason names the rule and the way out. */
export function checkProtected(path: string, protection: Protection | undefined): PolicyVerdict {
  if (!protection) return { ok: true, path };
  if (samePath(path, protection.planFile)) {
    return { ok: false, reason: "it is the plan file being executed, which no task may change" };
  }
  const entry = protectedEntry(path, protection.add);
  if (!entry || protection.grants.some((g) => samePath(g, path))) return { ok: true, path };
  return {
    ok: false,
    reason:
      `protected path "${entry.glob}" (${entry.why}): a task may touch it only when it names the path, ` +
      "the plan's risk is critical and policy.protected.allow in the configuration lists it",
  };
}

/** {@link checkPath}, then {@link checkProtected}: the one check of a path a task writes or deletes. */
export function checkTaskPath(
  input: string,
  policy: MergedPathPolicy | undefined,
  extraDeny: readonly string[],
  protection: Protection | undefined,
): PolicyVerdict {
  const verdict = checkPath(input, policy, extraDeny);
  if (!verdict.ok || verdict.path === undefined) return verdict;
  return checkProtected(verdict.path, protection);
}

/**
 * The changed paths an `edit` task did not declare in `edit.files` (normalised, in order). Other
 * task kinds have no such list and get an empty answer.
 */
export function outsideEditScope(task: Task, changed: readonly string[]): string[] {
  if (!task.edit) return [];
  const declared = new Set(namedPaths(task));
  return changed.filter((p) => {
    const n = normalizePath(p);
    return !(n.ok && declared.has(n.path));
  });
}
