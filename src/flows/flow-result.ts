/**
 * How a flow on a plan's pull request ends: the result the Action turns into outputs, the status
 * comment's content for a run view, and the next commands to name after a run.
 */
import type { RunResult } from "../engine/executor.js";
import type { RunView } from "../github/check-run-reporter.js";
import type { PlanState, PlanStatus } from "./status-comment.js";

/** `skipped`: nothing to do (an approval that does not satisfy the policy yet); `pending`: a status report. */
export type FlowStatus = RunResult["outcome"] | "refused" | "skipped" | "pending";

/** How a flow ended: the Action's outputs, the view its job summary renders, the engine's result. */
export interface FlowResult {
  status: FlowStatus;
  message: string;
  tasksDone: number;
  tasksFailed: number;
  costUsd: number;
  head: string;
  view?: RunView;
  run?: RunResult;
}

const STATES: Record<string, PlanState> = {
  running: "executing",
  succeeded: "done",
  failed: "failed",
  refused: "failed",
  cancelled: "failed",
  waiting: "waiting",
  "rolled back": "rolled back",
};

/** The status comment's content for a run view. */
export function statusOfView(view: RunView, pull: number, title: string, runUrl?: string): PlanStatus {
  const failed = view.rows.find((r) => r.status === "failed");
  const waiting = view.rows.find((r) => r.status === "waiting");
  return {
    planId: view.planId,
    state: STATES[view.outcome ?? "running"] ?? "executing",
    title,
    pull,
    tasks: view.rows.map((r) => ({
      id: r.id,
      title: r.title,
      status: r.status,
      ...(r.durationMs > 0 ? { durationMs: r.durationMs } : {}),
      ...(r.usage.costUsd > 0 ? { costUsd: r.usage.costUsd } : {}),
      ...(r.sha ? { commit: r.sha } : {}),
    })),
    costUsd: view.usage.costUsd,
    durationMs: view.durationMs,
    ...(view.outcome === "failed" || view.outcome === "refused" || view.outcome === "cancelled"
      ? { failure: { reason: view.message ?? view.outcome, ...(failed ? { task: failed.id } : {}) } }
      : {}),
    ...(view.outcome === "waiting"
      ? {
          waiting: {
            reason: view.message ?? "waiting for confirmation",
            ...(waiting ? { task: waiting.id } : {}),
          },
        }
      : {}),
    ...(runUrl ? { runUrl } : {}),
  };
}

/** A FlowResult from the reporter's view (counts, cost and head as the check run shows them). */
export function resultOf(view: RunView, status: FlowStatus, message: string, run?: RunResult): FlowResult {
  return {
    status,
    message,
    tasksDone: view.rows.filter((r) => r.status === "done").length,
    tasksFailed: view.rows.filter((r) => r.status === "failed").length,
    costUsd: view.usage.costUsd,
    head: view.head,
    view,
    ...(run ? { run } : {}),
  };
}

/** Next commands after a run, for the check run and the step's message. */
export function nextCommands(run: RunResult): string[] {
  const failed = run.tasks.find((t) => t.status === "failed");
  if (run.outcome === "waiting") return ["/continue", ...(run.waitingOn ? [`/skip ${run.waitingOn}`] : [])];
  if (run.outcome === "cancelled") return ["/execute", "/rollback"];
  if (failed) return [`/retry ${failed.id}`, `/skip ${failed.id}`, "/rollback"];
  return ["/rollback"];
}
