/**
 * Suggestions of the planning assistant's review modes (refine, add-missing, reorder, split) and
 * their selective application. Each suggestion is a small structured change to a plan, so a person
 * can take some and leave others; the result is checked by the plan loader like any other plan.
 */
import { hasErrors, type Diagnostic } from "../plan/diagnostics.js";
import { loadPlan } from "../plan/load-plan.js";
import { planJsonSchema, type Plan, type Task } from "../plan/schema.js";
import type { Tool } from "./client.js";
import { planToYaml } from "./plan-yaml.js";

type TaskInput = Record<string, unknown> & { id: string };

export type Suggestion =
  | {
      kind: "update_task";
      task_id: string;
      changes: { title?: string; description?: string; instructions?: string; files?: string[] };
      rationale: string;
    }
  | { kind: "add_task"; phase_id: string; after?: string; task: TaskInput; rationale: string }
  | { kind: "set_needs"; task_id: string; needs: string[]; rationale: string }
  | { kind: "move_task"; task_id: string; phase_id: string; after?: string; rationale: string }
  | { kind: "split_task"; task_id: string; into: TaskInput[]; rationale: string };

/** The `submit_suggestions` tool; tasks inside use the plan schema's task shape. */
export function submitSuggestionsTool(): Tool {
  const schema = planJsonSchema() as {
    properties: { phases: { items: { properties: { tasks: { items: unknown } } } } };
  };
  const task = schema.properties.phases.items.properties.tasks.items;
  const str = { type: "string" };
  return {
    name: "submit_suggestions",
    description: "Submit suggested changes to the plan, each small and independent where possible.",
    input_schema: {
      type: "object",
      properties: {
        suggestions: {
          type: "array",
          items: {
            type: "object",
            properties: {
              kind: {
                type: "string",
                enum: ["update_task", "add_task", "set_needs", "move_task", "split_task"],
              },
              rationale: { ...str, description: "one sentence: why" },
              task_id: { ...str, description: "the task changed, moved or split" },
              phase_id: { ...str, description: "add_task, move_task: the target phase" },
              after: {
                ...str,
                description: "add_task, move_task: insert after this task id (first when absent)",
              },
              changes: {
                type: "object",
                description: "update_task: the new texts",
                properties: {
                  title: str,
                  description: str,
                  instructions: str,
                  files: { type: "array", items: str },
                },
              },
              needs: { type: "array", items: str, description: "set_needs: the complete new list" },
              task: { ...(task as object), description: "add_task: the new task" },
              into: {
                type: "array",
                items: task,
                description: "split_task: the tasks replacing it, in order",
              },
            },
            required: ["kind", "rationale"],
          },
        },
      },
      required: ["suggestions"],
    },
  };
}

/** One line per suggestion, numbered from 1 as `--apply` expects. */
export function formatSuggestion(s: Suggestion, n: number): string {
  const what =
    s.kind === "update_task"
      ? `refine ${s.task_id} (${Object.keys(s.changes ?? {}).join(", ")})`
      : s.kind === "add_task"
        ? `add ${s.task?.id} to ${s.phase_id}${s.after ? ` after ${s.after}` : ""}`
        : s.kind === "set_needs"
          ? `${s.task_id} needs [${(s.needs ?? []).join(", ")}]`
          : s.kind === "move_task"
            ? `move ${s.task_id} to ${s.phase_id}${s.after ? ` after ${s.after}` : ""}`
            : `split ${s.task_id} into ${(s.into ?? []).map((t) => t.id).join(", ")}`;
  return `${n}. ${what}: ${s.rationale}`;
}

export interface ApplyOutcome {
  /** The changed plan, when it validates. */
  plan?: Plan;
  yaml: string;
  diagnostics: Diagnostic[];
  applied: number[];
  skipped: { n: number; reason: string }[];
}

function locate(phases: { id: string; tasks: TaskInput[] }[], taskId: string) {
  for (const phase of phases) {
    const index = phase.tasks.findIndex((t) => t.id === taskId);
    if (index !== -1) return { phase, index };
  }
  return undefined;
}

function insertAt(list: TaskInput[], after: string | undefined, task: TaskInput): boolean {
  if (after === undefined) {
    list.unshift(task);
    return true;
  }
  const i = list.findIndex((t) => t.id === after);
  if (i === -1) return false;
  list.splice(i + 1, 0, task);
  return true;
}

/** Applies the selected suggestions (1-based numbers; all when `select` is absent) in order. */
export function applySuggestions(
  plan: Plan,
  suggestions: readonly Suggestion[],
  select?: number[],
): ApplyOutcome {
  const data = structuredClone(plan) as unknown as Record<string, unknown> & {
    phases: { id: string; tasks: TaskInput[] }[];
  };
  const applied: number[] = [];
  const skipped: { n: number; reason: string }[] = [];
  suggestions.forEach((s, i) => {
    const n = i + 1;
    if (select && !select.includes(n)) return;
    const skip = (reason: string) => skipped.push({ n, reason });
    const phaseOf = (id: string) => data.phases.find((p) => p.id === id);
    if (s.kind === "add_task") {
      const phase = phaseOf(s.phase_id);
      if (!phase) return skip(`no phase ${s.phase_id}`);
      if (!insertAt(phase.tasks, s.after, s.task)) return skip(`no task ${s.after} in ${s.phase_id}`);
      return void applied.push(n);
    }
    const where = locate(data.phases, s.task_id);
    if (!where) return skip(`no task ${s.task_id}`);
    const task = where.phase.tasks[where.index] as TaskInput & Partial<Task>;
    if (s.kind === "update_task") {
      const { instructions, files, ...texts } = s.changes ?? {};
      Object.assign(task, texts);
      if ((instructions !== undefined || files !== undefined) && !task.edit) {
        return skip(`${s.task_id} is not an edit task`);
      }
      if (task.edit)
        task.edit = { ...task.edit, ...(instructions ? { instructions } : {}), ...(files ? { files } : {}) };
    } else if (s.kind === "set_needs") {
      if (s.needs.length > 0) task.needs = s.needs;
      else delete task.needs;
    } else if (s.kind === "move_task") {
      const target = phaseOf(s.phase_id);
      if (!target) return skip(`no phase ${s.phase_id}`);
      where.phase.tasks.splice(where.index, 1);
      if (!insertAt(target.tasks, s.after, task)) {
        where.phase.tasks.splice(where.index, 0, task);
        return skip(`no task ${s.after} in ${s.phase_id}`);
      }
      data.phases = data.phases.filter((p) => p.tasks.length > 0);
    } else if (s.kind === "split_task") {
      if (!s.into?.length) return skip("nothing to split into");
      const parts = s.into.map((t) => ({ ...t }));
      if (task.needs && parts[0] && parts[0]["needs"] === undefined) parts[0]["needs"] = task.needs;
      where.phase.tasks.splice(where.index, 1, ...parts);
      const last = parts.at(-1)!.id;
      // work that waited for the whole task now waits for its last part
      for (const phase of data.phases)
        for (const t of phase.tasks) {
          const needs = t["needs"];
          if (Array.isArray(needs) && needs.includes(s.task_id) && !parts.includes(t)) {
            t["needs"] = needs.map((id: string) => (id === s.task_id ? last : id));
          }
        }
    }
    applied.push(n);
  });
  const yaml = planToYaml(data);
  const loaded = loadPlan(yaml);
  const ok = loaded.plan && !hasErrors(loaded.diagnostics);
  return { ...(ok ? { plan: loaded.plan } : {}), yaml, diagnostics: loaded.diagnostics, applied, skipped };
}
