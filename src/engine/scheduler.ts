/**
 * What may run next. Waiting gates are derived from the execution state, never stored: the next
 * pending task of a `manual` phase, and a pending task that follows a done `checkpoint: true` task
 * in the file, wait for a confirmation (`planwright run --continue` passes exactly one gate).
 */
import { executionWaves } from "../plan/graph.js";
import { taskKind, type Plan, type Task } from "../plan/schema.js";
import { retriesOf, timeoutOf, verifyCommandOf } from "./task-runner.js";

/** Status of each task as the scheduler sees it; absent means pending. */
export type StatusOf = (taskId: string) => "done" | "pending" | "failed" | "running";

export interface Gate {
  taskId: string;
  reason: "manual" | "checkpoint";
}

/** The tasks of the plan in file order, each with its phase mode and the task before it. */
function ordered(plan: Plan): { task: Task; manual: boolean; previous: Task | undefined }[] {
  const out: { task: Task; manual: boolean; previous: Task | undefined }[] = [];
  let previous: Task | undefined;
  for (const phase of plan.phases) {
    for (const task of phase.tasks) {
      out.push({ task, manual: phase.mode === "manual", previous });
      previous = task;
    }
  }
  return out;
}

/** Whether `taskId` (pending) waits for a confirmation, and why. */
export function gateOf(plan: Plan, taskId: string, statusOf: StatusOf): Gate | undefined {
  const entry = ordered(plan).find((e) => e.task.id === taskId);
  if (!entry || statusOf(taskId) === "done") return undefined;
  if (entry.previous?.checkpoint && statusOf(entry.previous.id) === "done") {
    return { taskId, reason: "checkpoint" };
  }
  if (entry.manual) return { taskId, reason: "manual" };
  return undefined;
}

/** Passes gates: `--continue` gives one pass per invocation. */
export class GateKeeper {
  constructor(private passes: number) {}
  /** True when the task may start: it is no gate, or a pass was left and is now used. */
  admit(gate: Gate | undefined): boolean {
    if (!gate) return true;
    if (this.passes <= 0) return false;
    this.passes--;
    return true;
  }
}

function describeTask(plan: Plan, task: Task): string {
  const kind = taskKind(task);
  const action =
    kind === "run"
      ? `run \`${task.run ?? ""}\``
      : kind === "write"
        ? `write ${task.write?.path ?? ""} (${Buffer.byteLength(task.write?.content ?? "")} bytes)`
        : kind === "delete"
          ? `delete ${task.delete?.path ?? ""}`
          : `edit ${(task.edit?.files ?? []).join(", ")} with the model`;
  const verify = verifyCommandOf(plan, task);
  const extras = [
    verify !== undefined ? `verify \`${verify}\`` : "no verification",
    `timeout ${Math.round(timeoutOf(plan, task) / 1000)}s`,
    `retries ${retriesOf(plan, task)}`,
  ];
  if (task.checkpoint) extras.push("checkpoint");
  if (task.allow_empty) extras.push("may be empty");
  return `${action}; ${extras.join(", ")}`;
}

/** The dry-run description: each wave and what each of its tasks would do, marking done ones. */
export function describeRun(plan: Plan, statusOf: StatusOf): string[] {
  const lines: string[] = [];
  for (const wave of executionWaves(plan)) {
    lines.push(`wave ${wave.index + 1} (phase ${wave.phaseId}, ${wave.mode}):`);
    for (const id of wave.taskIds) {
      const task = plan.phases.flatMap((p) => p.tasks).find((t) => t.id === id);
      if (!task) continue;
      const done = statusOf(id) === "done";
      const gate = done ? undefined : gateOf(plan, id, statusOf);
      const mark = done ? "done, skipped" : gate ? `waits for --continue (${gate.reason})` : "would run";
      lines.push(`  ${id}: ${mark}: ${describeTask(plan, task)}`);
    }
  }
  return lines;
}
