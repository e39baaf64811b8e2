/**
 * `/rollback` and `/rollback <task>` on a plan's pull request: the engine's rollback (one revert
 * commit per task, never a force-push) on the branch, then one push. The check run and the status
 * comment show what was reverted and the new head; a conflict changes nothing and names the files.
 */
import { rollback } from "../engine/rollback.js";
import { deriveState } from "../engine/state.js";
import { failureClassOf, messageOf } from "../errors.js";
import {
  checkoutPlan,
  closeReporters,
  guardedWorkspace,
  proofsOfBranch,
  refuseForged,
  remoteOf,
  reportersFor,
  resultOf,
  type FlowResult,
  type PlanFlowDeps,
} from "./execute-plan.js";

export interface RollbackFlowInput {
  pull: number;
  /** Roll back this task and the done tasks that need it; every done task when absent. */
  task?: string;
  planPath?: string;
}

/** Reverts task commits on the pull request's branch and pushes them. */
export async function rollbackPlanFlow(deps: PlanFlowDeps, input: RollbackFlowInput): Promise<FlowResult> {
  const co = await checkoutPlan(deps, input.pull, input.planPath);
  const proofs = await proofsOfBranch(deps, co);
  const state = deriveState(co.plan, co.planBlob, await deps.workspace.history(), proofs);
  const done = new Map([...state.tasks].filter(([, s]) => s.status === "done").map(([id, s]) => [id, s.sha]));
  const reporters = reportersFor(deps, co, done);
  const { reporter } = reporters;
  for (const row of reporter.view.rows) {
    if (state.tasks.get(row.id)?.status === "reverted") row.status = "reverted";
  }
  const clock = deps.clock;
  try {
    refuseForged(state);
    const result = await rollback(guardedWorkspace(deps, co.head, proofs), co.plan, co.planBlob, {
      ...(input.task !== undefined ? { taskId: input.task } : {}),
      push: { remote: remoteOf(deps, co.pull), branch: co.pull.headRef },
      reporter,
      proofs,
      ...(clock ? { clock } : {}),
    });
    const ids = result.reverted.map((r) => r.taskId);
    const message =
      ids.length === 0
        ? "nothing to roll back: no task of the plan is done"
        : `reverted ${ids.length} task${ids.length === 1 ? "" : "s"} (${ids.join(", ")}); the branch is now at ${result.head.slice(0, 7)}`;
    reporter.view.head = result.head;
    const allReverted = reporter.view.rows.every((r) => r.status !== "done");
    reporter.setOutcome(
      allReverted ? "rolled back" : "succeeded",
      message,
      allReverted ? ["/execute"] : ["/rollback"],
    );
    await closeReporters(deps, reporters);
    return resultOf(reporter.view, "succeeded", message);
  } catch (error) {
    const message = `rollback refused (${failureClassOf(error)}): ${messageOf(error)}; nothing was changed`;
    reporter.setOutcome("failed", message, ["/status"]);
    await closeReporters(deps, reporters);
    return resultOf(reporter.view, "failed", message);
  }
}
