/**
 * The view of a run that the check runs, the status comment and the job summary are rendered from:
 * one row per task, updated from engine events by the reporter.
 */
import type { RunOutcome, TaskStatus, Usage } from "../engine/ports.js";
import { ZERO_USAGE } from "../engine/ports.js";
import type { Plan } from "../plan/schema.js";

/** One task as the table shows it. */
export interface TaskRow {
  id: string;
  title: string;
  status: TaskStatus;
  attempts: number;
  durationMs: number;
  usage: Usage;
  sha?: string;
  /** Milliseconds since the run started, for the timeline. */
  startedAt?: number;
  endedAt?: number;
  failureClass?: string;
  message?: string;
  output?: string;
}

/** Everything the table, the comment and the job summary are rendered from. */
export interface RunView {
  planId: string;
  rows: TaskRow[];
  head: string;
  startedAt: number;
  outcome?: RunOutcome | "running" | "refused" | "rolled back" | "pending";
  message?: string;
  usage: Usage;
  durationMs: number;
  /** Next commands for a person, e.g. `/retry totp-service`. */
  next: string[];
}

/** The view of a plan before a run: done tasks with their commits, the others pending. */
export function createRunView(
  plan: Plan,
  head: string,
  done: ReadonlyMap<string, string | undefined> = new Map(),
  now = Date.now(),
): RunView {
  const rows = plan.phases.flatMap((phase) =>
    phase.tasks.map((task): TaskRow => {
      const sha = done.get(task.id);
      return {
        id: task.id,
        title: task.title,
        status: done.has(task.id) ? "done" : "pending",
        attempts: 0,
        durationMs: 0,
        usage: ZERO_USAGE,
        ...(sha ? { sha } : {}),
      };
    }),
  );
  return {
    planId: plan.id,
    rows,
    head,
    startedAt: now,
    outcome: "running",
    usage: ZERO_USAGE,
    durationMs: 0,
    next: [],
  };
}
