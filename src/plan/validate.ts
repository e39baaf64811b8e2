/**
 * Semantic rules the schema cannot express: unique ids, `needs` that resolve to the same or an
 * earlier phase, no dependency cycles, exactly one task kind, size limits, path and command policy,
 * and a declared risk no lower than the computed one. Works on unvalidated data (skipping whatever
 * is malformed, which the schema reports), so a plan's problems all come out in one pass.
 * Everything is linear in the plan size: ids are indexed once in maps.
 */
import type { Diagnostic } from "./diagnostics.js";
import type { PlanLimits } from "./limits.js";
import { utf8Length } from "./decode-source.js";
import { findCycles } from "./dependency-cycles.js";
import { closest, describe, quote, taskLabel } from "./plan-labels.js";
import { checkCommand, checkPath } from "./policy.js";
import { planFileOf, protectedEntry } from "./protected-paths.js";
import { assessPlanRisk } from "./risk.js";
import { ID_PATTERN, policySchema, TASK_KINDS, type Plan, type Policy } from "./schema.js";
import type { Locator, PlanPath, Position } from "./yaml-positions.js";

/** Options for {@link validatePlan}. */
export interface ValidateOptions {
  limits: Pick<PlanLimits, "maxTasks" | "maxContentBytes">;
  /** Deny globs added to the plan's own and the built-in ones. */
  extraDeny?: readonly string[];
  /**
   * The configuration's `policy.protected`: when given, a protected path it does not allow is an
   * error; without it (no configuration at hand) such a path is a warning.
   */
  protected?: { allow?: readonly string[]; add?: readonly string[] };
  /** The schema-valid plan, when there is one: enables the risk check. */
  plan?: Plan;
}

type Obj = Record<string, unknown>;

interface TaskRef {
  /** Undefined when the id is missing or malformed (the schema reports that). */
  id: string | undefined;
  phase: number;
  index: number;
  path: PlanPath;
  task: Obj;
  label: string;
  /** Task ids this task needs, with the path of each entry. */
  needs: { id: string; path: PlanPath }[];
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function err(p: Position, message: string, path: PlanPath): Diagnostic {
  return { severity: "error", line: p.line, col: p.col, message, path: [...path] };
}

/** Reports every semantic problem of the plan data; see the module comment. */
export function validatePlan(data: unknown, locator: Locator, options: ValidateOptions): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!isObj(data)) return out;
  const tasks: TaskRef[] = [];
  const firstTask = new Map<string, TaskRef>();
  const phaseIds = new Map<string, number>();
  let contentBytes = 0;
  let contentReported = false;

  list(data["phases"]).forEach((phase, p) => {
    if (!isObj(phase)) return;
    const phaseId = phase["id"];
    if (typeof phaseId === "string" && ID_PATTERN.test(phaseId)) {
      const first = phaseIds.get(phaseId);
      if (first !== undefined) {
        const line = locator.value(["phases", first, "id"]).line;
        out.push(
          err(
            locator.value(["phases", p, "id"]),
            `duplicate phase id "${phaseId}" (first used on line ${line})`,
            ["phases", p, "id"],
          ),
        );
      } else phaseIds.set(phaseId, p);
    }
    list(phase["tasks"]).forEach((task, t) => {
      if (!isObj(task)) return;
      const path: PlanPath = ["phases", p, "tasks", t];
      const label = taskLabel(data, p, t);
      if (tasks.length === options.limits.maxTasks) {
        out.push(
          err(
            locator.value(path),
            `too many tasks: the plan has more than the limit of ${options.limits.maxTasks}`,
            path,
          ),
        );
      }
      for (const [kind, field] of [
        ["write", "content"],
        ["edit", "instructions"],
      ] as const) {
        const text = isObj(task[kind]) ? (task[kind] as Obj)[field] : undefined;
        if (typeof text !== "string" || contentReported) continue;
        contentBytes += utf8Length(text);
        if (contentBytes > options.limits.maxContentBytes) {
          contentReported = true;
          out.push(
            err(
              locator.value([...path, kind, field]),
              `${label}: write.content and edit.instructions of the plan total more than the limit of ${options.limits.maxContentBytes} bytes`,
              [...path, kind, field],
            ),
          );
        }
      }
      checkKinds(task, path, label, locator, out);
      const id = task["id"];
      const needs: TaskRef["needs"] = [];
      list(task["needs"]).forEach((n, k) => {
        if (typeof n === "string" && ID_PATTERN.test(n)) needs.push({ id: n, path: [...path, "needs", k] });
      });
      const validId = typeof id === "string" && ID_PATTERN.test(id) ? id : undefined;
      const ref: TaskRef = { id: validId, phase: p, index: tasks.length, path, task, label, needs };
      tasks.push(ref);
      if (validId === undefined) return;
      const first = firstTask.get(validId);
      if (first) {
        const line = locator.value([...first.path, "id"]).line;
        out.push(
          err(locator.value([...path, "id"]), `duplicate task id "${validId}" (first used on line ${line})`, [
            ...path,
            "id",
          ]),
        );
      } else firstTask.set(validId, ref);
    });
  });

  const cyclic = checkCycles(tasks, firstTask, locator, out);
  checkNeeds(tasks, firstTask, data, locator, out, cyclic);
  checkPolicy(data, tasks, locator, options, out);
  if (options.plan) checkRisk(options.plan, locator, out);
  return out;
}

function checkKinds(task: Obj, path: PlanPath, label: string, locator: Locator, out: Diagnostic[]): void {
  const kinds = TASK_KINDS.filter((k) => task[k] !== undefined);
  if (kinds.length === 1) return;
  const rule = "must have exactly one of edit, run, write, delete";
  if (kinds.length === 0) {
    out.push(err(locator.missing(path), `${label}: ${rule} (it has none)`, path));
    return;
  }
  const second = kinds[1] ?? "";
  out.push(
    err(locator.key([...path, second]), `${label}: ${rule} (it has ${kinds.join(" and ")})`, [
      ...path,
      second,
    ]),
  );
}

function checkNeeds(
  tasks: TaskRef[],
  byId: Map<string, TaskRef>,
  data: Obj,
  locator: Locator,
  out: Diagnostic[],
  cyclic: ReadonlySet<number>,
): void {
  for (const task of tasks) {
    const seen = new Set<string>();
    for (const need of task.needs) {
      const target = byId.get(need.id);
      if (seen.has(need.id)) {
        const p = locator.value(need.path);
        out.push({
          severity: "warning",
          ...p,
          message: `${task.label}: needs "${need.id}" twice`,
          path: [...need.path],
        });
      }
      seen.add(need.id);
      if (!target) {
        const guess = closest(need.id, byId.keys());
        out.push(
          err(
            locator.value(need.path),
            `${task.label}: needs "${need.id}", which is not a task of this plan${guess ? ` (did you mean "${guess}"?)` : ""}`,
            need.path,
          ),
        );
      } else if (target.phase > task.phase) {
        const phaseId = describe(["phases", target.phase], data, "").replace(/:\s*$/, "");
        out.push(
          err(
            locator.value(need.path),
            `${task.label}: needs "${need.id}" of the later ${phaseId} (needs may name only tasks of the same or an earlier phase)`,
            need.path,
          ),
        );
      } else if (
        target.phase === task.phase &&
        target.index > task.index &&
        !isParallel(data, task.phase) &&
        // a cycle is reported as such, once
        !(cyclic.has(task.index) && cyclic.has(target.index))
      ) {
        // sequential and manual phases run in file order: the task needed would come too late
        out.push(
          err(
            locator.value(need.path),
            `${task.label}: needs "${need.id}", which comes later in this ${modeOf(data, task.phase)} phase (tasks run in file order there: move "${need.id}" before it, or make the phase parallel)`,
            need.path,
          ),
        );
      }
    }
  }
}

function modeOf(data: Obj, phase: number): string {
  const phases = list(data["phases"]);
  const entry = phases[phase];
  const mode = isObj(entry) ? entry["mode"] : undefined;
  return typeof mode === "string" ? mode : "sequential";
}

function isParallel(data: Obj, phase: number): boolean {
  return modeOf(data, phase) === "parallel";
}

function checkCycles(
  tasks: TaskRef[],
  byId: Map<string, TaskRef>,
  locator: Locator,
  out: Diagnostic[],
): Set<number> {
  const cyclic = new Set<number>();
  const edges = tasks.map((t) =>
    t.needs.map((need) => byId.get(need.id)?.index).filter((i): i is number => i !== undefined),
  );
  for (const cycle of findCycles(edges)) {
    for (const i of cycle) cyclic.add(i);
    const from = tasks[cycle[0] ?? 0];
    const to = tasks[cycle[1] ?? 0];
    const need = from?.needs.find((x) => x.id === to?.id);
    if (!from || !need) continue;
    const names = cycle.map((i) => tasks[i]?.id ?? "?");
    out.push(err(locator.value(need.path), `dependency cycle: ${names.join(" -> ")}`, need.path));
  }
  return cyclic;
}

function checkPolicy(
  data: Obj,
  tasks: TaskRef[],
  locator: Locator,
  options: ValidateOptions,
  out: Diagnostic[],
) {
  const extraDeny = options.extraDeny ?? [];
  const planFile = typeof data["id"] === "string" ? planFileOf(data["id"]).toLowerCase() : undefined;
  const parsed = policySchema.safeParse(data["policy"] ?? {});
  const policy: Policy = parsed.success ? parsed.data : {};
  const checkCmd = (value: unknown, path: PlanPath, what: string, label?: string) => {
    if (typeof value !== "string" || value.trim() === "") return;
    const verdict = checkCommand(value, policy.commands);
    if (verdict.ok) return;
    const reason = (verdict.reason ?? "refused").replace(/^refused: /, "");
    const message = `${what} command ${quote(value)} is refused: ${reason}`;
    out.push(err(locator.value(path), label ? `${label}: ${message}` : message, path));
  };
  const defaults = data["defaults"];
  if (isObj(defaults)) checkCmd(defaults["verify"], ["defaults", "verify"], "defaults.verify");
  for (const t of tasks) {
    const paths: [unknown, PlanPath][] = [];
    const edit = t.task["edit"];
    if (isObj(edit)) list(edit["files"]).forEach((f, i) => paths.push([f, [...t.path, "edit", "files", i]]));
    for (const kind of ["write", "delete"] as const) {
      const v = t.task[kind];
      if (isObj(v)) paths.push([v["path"], [...t.path, kind, "path"]]);
    }
    for (const [value, path] of paths) {
      if (typeof value !== "string" || value === "") continue;
      const verdict = checkPath(value, policy.paths, extraDeny);
      if (!verdict.ok || verdict.path === undefined) {
        out.push(
          err(
            locator.value(path),
            `${t.label}: path ${quote(value)} is refused: ${verdict.reason ?? "refused"}`,
            path,
          ),
        );
        continue;
      }
      const problem = protectedProblem(verdict.path, planFile, options.protected);
      if (problem) {
        const d = err(locator.value(path), `${t.label}: path ${quote(value)} ${problem.message}`, path);
        out.push({ ...d, severity: problem.severity });
      }
    }
    checkCmd(t.task["run"], [...t.path, "run"], "run", t.label);
    checkCmd(t.task["verify"], [...t.path, "verify"], "verify", t.label);
  }
}

function protectedProblem(
  path: string,
  planFile: string | undefined,
  config: ValidateOptions["protected"],
): { severity: "error" | "warning"; message: string } | undefined {
  if (path.toLowerCase() === planFile) {
    return { severity: "error", message: "is the plan's own file, which no task may change" };
  }
  const entry = protectedEntry(path, config?.add ?? []);
  if (!entry) return undefined;
  const allowed =
    (config?.allow?.length ?? 0) > 0 && checkPath(path, { allow: [...(config?.allow ?? [])] }).ok;
  if (allowed) return undefined;
  return {
    severity: config ? "error" : "warning",
    message: `is protected ("${entry.glob}": ${entry.why}); a task may touch it only when policy.protected.allow in .github/planwright.yml lists it`,
  };
}

function checkRisk(plan: Plan, locator: Locator, out: Diagnostic[]): void {
  const risk = assessPlanRisk(plan);
  if (!risk.understated || risk.declared === undefined) return;
  const p = locator.value(["risk"]);
  const shown = risk.reasons.slice(0, 3).join("; ");
  const reasons = risk.reasons.length > 3 ? `${shown}; and ${risk.reasons.length - 3} more` : shown;
  out.push({
    severity: "warning",
    ...p,
    path: ["risk"],
    message: `risk is declared "${risk.declared}" but the plan looks "${risk.level}": ${reasons}`,
  });
}
