/**
 * What may run next. Waiting points are derived from the execution state, never stored, and mean
 * the same in every phase mode:
 *
 * - every pending task of a `manual` phase waits for its own confirmation;
 * - when the task that landed last on the branch is a `checkpoint: true` task, no further task
 *   starts until a confirmation: in a sequential phase that is the next task, before a parallel
 *   phase it is the whole phase (one confirmation releases all of it), and inside a parallel phase
 *   the tasks already running finish and land first (a running checkpoint task lets nothing else
 *   start, so whatever lands after it was started after the confirmation).
 *
 * `planwright run --continue` passes exactly one waiting point.
 */
import { executionWaves } from "../plan/graph.js";
import { taskKind, type Plan, type Task } from "../plan/schema.js";
import { retriesOf, timeoutOf, verifyCommandOf } from "./task-runner.js";

/** Status of each task as the scheduler sees it; absent means pending. */
export type StatusOf = (taskId: string) => "done" | "pending" | "failed" | "running";

/**
 * The order in which done tasks landed on the branch (a larger number landed later); undefined
 * for a task that is not done.
 */
export type LandedAt = (taskId: string) => number | undefined;

export interface Gate {
  taskId: string;
  reason: "manual" | "checkpoint";
  /** The done checkpoint task the run waits after, for a checkpoint. */
  after?: string;
  /** One confirmation passes every gate with the same key. */
  key: string;
}

function allTasks(plan: Plan): Task[] {
  return plan.phases.flatMap((p) => p.tasks);
}

/** The done task that landed last, when it is a checkpoint. */
function pendingCheckpoint(plan: Plan, statusOf: StatusOf, landedAt: LandedAt): Task | undefined {
  let last: Task | undefined;
  let lastAt = -Infinity;
  for (const task of allTasks(plan)) {
    if (statusOf(task.id) !== "done") continue;
    const at = landedAt(task.id) ?? -1;
    if (at > lastAt) {
      last = task;
      lastAt = at;
    }
  }
  return last?.checkpoint ? last : undefined;
}

/** Whether `taskId` (pending) waits for a confirmation, and why. */
export function gateOf(plan: Plan, taskId: string, statusOf: StatusOf, landedAt: LandedAt): Gate | undefined {
  const phase = plan.phases.find((p) => p.tasks.some((t) => t.id === taskId));
  if (!phase || statusOf(taskId) === "done") return undefined;
  const checkpoint = pendingCheckpoint(plan, statusOf, landedAt);
  if (phase.mode === "manual") {
    // one confirmation covers both the checkpoint and the manual task after it
    return checkpoint
      ? { taskId, reason: "checkpoint", after: checkpoint.id, key: `task:${taskId}` }
      : { taskId, reason: "manual", key: `task:${taskId}` };
  }
  if (checkpoint)
    return { taskId, reason: "checkpoint", after: checkpoint.id, key: `after:${checkpoint.id}` };
  return undefined;
}

/** Passes gates: `--continue` gives one pass per invocation, good for every gate with its key. */
export class GateKeeper {
  private readonly passed = new Set<string>();
  constructor(private passes: number) {}
  /** True when the task may start: it is no gate, its gate was passed, or a pass was left and is now used. */
  admit(gate: Gate | undefined): boolean {
    if (!gate || this.passed.has(gate.key)) return true;
    if (this.passes <= 0) return false;
    this.passes--;
    this.passed.add(gate.key);
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
export function describeRun(plan: Plan, statusOf: StatusOf, landedAt: LandedAt): string[] {
  const lines: string[] = [];
  for (const wave of executionWaves(plan)) {
    lines.push(`wave ${wave.index + 1} (phase ${wave.phaseId}, ${wave.mode}):`);
    for (const id of wave.taskIds) {
      const task = plan.phases.flatMap((p) => p.tasks).find((t) => t.id === id);
      if (!task) continue;
      const done = statusOf(id) === "done";
      const gate = done ? undefined : gateOf(plan, id, statusOf, landedAt);
      const mark = done ? "done, skipped" : gate ? `waits for --continue (${gate.reason})` : "would run";
      lines.push(`  ${id}: ${mark}: ${describeTask(plan, task)}`);
    }
  }
  return lines;
}
