/**
 * Executing an approved plan on its pull request's branch (the Action's `execute`, `retry`,
 * `continue` and `skip`). Nothing runs until execution is re-verified from GitHub's own state and
 * the branch itself: the approval policy holds for the plan blob given, the plan file at the head
 * has that blob, and every commit after the approved one is a Planwright task or revert commit.
 * Progress goes to the `planwright` check runs and the status comment as the engine reports it.
 *
 * The steps live in their own modules (checkout, verification, the push lease, the result); they
 * are re-exported here, where the Action and the rollback flow import them from.
 */
import type { CommandSandbox } from "../engine/sandbox.js";
import { deriveState, type ExecutionState } from "../engine/state.js";
import {
  TRAILER_PLAN,
  TRAILER_PLAN_BLOB,
  TRAILER_TASK,
  type Model,
  type Workspace,
} from "../engine/ports.js";
import { ConflictError, PlanwrightError, UsageError, failureClassOf, messageOf } from "../errors.js";
import { CheckRunReporter } from "../github/check-run-reporter.js";
import { resultOf, nextCommands, statusOfView, type FlowResult } from "./flow-result.js";
import { guardedWorkspace } from "./guarded-workspace.js";
import {
  checkoutPlan,
  proofsOfBranch,
  remoteOf,
  type PlanCheckout,
  type PlanFlowDeps,
} from "./plan-checkout.js";
import { createStatusReporter, type StatusReporter } from "./report-status.js";
import { runPlan } from "./run-plan.js";
import { verifyApproval, verifyHistory } from "./verify-approval.js";

export { nextCommands, resultOf, statusOfView, type FlowResult, type FlowStatus } from "./flow-result.js";
export { guardedWorkspace } from "./guarded-workspace.js";
export {
  checkoutPlan,
  proofsOfBranch,
  readConfig,
  remoteOf,
  type PlanCheckout,
  type PlanFlowDeps,
} from "./plan-checkout.js";
export { verifyApproval, verifyHistory } from "./verify-approval.js";

/** What to run on which pull request (the Action's inputs, already checked). */
export interface ExecuteFlowInput {
  pull: number;
  command: "execute" | "retry" | "continue" | "skip";
  /** The task for `retry` and `skip`. */
  task?: string;
  planPath?: string;
  /** The approved plan blob; the blob at the head when absent (approvals are checked against it). */
  planBlob?: string;
  model?: Model;
  concurrency?: number;
  signal?: AbortSignal;
  env?: Readonly<Record<string, string | undefined>>;
  /** Our own app's logins, whose reviews never count. */
  botLogins?: readonly string[];
  /** For a new approval: when the policy does not hold yet, only update the status comment. */
  onlyWhenApproved?: boolean;
  /** Run once before the first task, in the sandbox (`npm ci`). */
  setup?: string;
}

/** The check-run reporter and status comment of one run on a plan's pull request. */
export function reportersFor(
  deps: PlanFlowDeps,
  co: PlanCheckout,
  done: ReadonlyMap<string, string | undefined>,
): { reporter: CheckRunReporter; status: StatusReporter } {
  const status = createStatusReporter(deps.gateway, co.pull.number, co.plan.id, {
    // the check run is the live view; the comment follows at most every few minutes and at the end
    intervalMs: deps.commentIntervalMs ?? 300_000,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const reporter = new CheckRunReporter({
    plan: co.plan,
    gateway: deps.gateway,
    head: co.head,
    done,
    ...(deps.detailsUrl ? { detailsUrl: deps.detailsUrl } : {}),
    ...(deps.commitUrl ? { commitUrl: deps.commitUrl } : {}),
    ...(deps.checkIntervalMs !== undefined ? { intervalMs: deps.checkIntervalMs } : {}),
    ...(deps.clock ? { now: () => deps.clock!.now() } : {}),
    ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
    ...(deps.onCheckRun ? { onCheckRun: deps.onCheckRun } : {}),
    writeComment: (view) => status.post(statusOfView(view, co.pull.number, co.plan.title, deps.detailsUrl)),
  });
  return { reporter, status };
}

/** Sends the reporters' last state; GitHub failures become warnings, never a lost outcome. */
export async function closeReporters(
  deps: PlanFlowDeps,
  r: { reporter: CheckRunReporter; status: StatusReporter },
): Promise<void> {
  await r.reporter.flush();
  await r.status.flush().catch((e: unknown) => deps.onWarning?.(`status comment: ${messageOf(e)}`));
}

/** Runs (or resumes) the plan of pull request `input.pull`, after re-verifying it may run. */
export async function executePlanFlow(deps: PlanFlowDeps, input: ExecuteFlowInput): Promise<FlowResult> {
  const co = await checkoutPlan(deps, input.pull, input.planPath);
  const proofs = await proofsOfBranch(deps, co);
  const state = deriveState(co.plan, co.planBlob, await deps.workspace.history(), proofs);
  const done = new Map([...state.tasks].filter(([, s]) => s.status === "done").map(([id, s]) => [id, s.sha]));
  const reporters = reportersFor(deps, co, done);
  const { reporter } = reporters;
  let sandbox: CommandSandbox | undefined;
  try {
    if (input.planBlob !== undefined && input.planBlob !== co.planBlob) {
      throw new ConflictError(
        `the plan changed after approval: ${co.planPath} is blob ${co.planBlob.slice(0, 7)} at the head, the approved plan is blob ${input.planBlob.slice(0, 7)}`,
      );
    }
    refuseForged(state);
    const approval = await verifyApproval(deps, co, input.botLogins);
    if (!approval.satisfied && input.onlyWhenApproved) {
      const awaiting = {
        ...statusOfView(reporter.view, co.pull.number, co.plan.title),
        state: "awaiting approval" as const,
      };
      await reporters.status.post({ ...awaiting, approval: approval.summary });
      await reporters.status
        .flush()
        .catch((e: unknown) => deps.onWarning?.(`status comment: ${messageOf(e)}`));
      return resultOf(reporter.view, "skipped", `waiting for approvals: ${approval.summary}`);
    }
    if (!approval.satisfied) throw new PlanwrightError("policy", `not approved: ${approval.summary}`);
    await verifyHistory(deps, co, approval, approval.reviewCommits, proofs);
    sandbox = deps.sandboxFor ? await deps.sandboxFor(co.config) : undefined;
  } catch (error) {
    // GitHub failing is not a verdict on the plan: fail the step, a re-run verifies again
    if (failureClassOf(error) === "transient") throw error;
    const message = `refused: ${messageOf(error)}`;
    reporter.setOutcome("refused", message, ["/status"]);
    await closeReporters(deps, reporters);
    return resultOf(reporter.view, "refused", message);
  }
  const workspace = guardedWorkspace(deps, co.head, proofs);
  if (input.command === "retry" && input.task !== undefined) {
    if (!co.plan.phases.some((p) => p.tasks.some((t) => t.id === input.task)))
      throw new UsageError(`plan ${co.plan.id} has no task ${JSON.stringify(input.task)}`);
    if (done.has(input.task))
      throw new UsageError(
        `task ${input.task} is already done; /rollback ${input.task} first to run it again`,
      );
  }
  if (input.command === "skip") {
    await skipTask(workspace, co, input.task, done);
    // landed at once, so that the run's state finds it proven like every other task commit
    await workspace.push(remoteOf(deps, co.pull), co.pull.headRef);
  }
  const run = await runPlan(co.config.execution.stop_on_error, {
    plan: co.plan,
    planBlob: co.planBlob,
    workspace,
    reporter,
    policy: co.config.policy,
    proofs,
    ...(sandbox ? { sandbox } : {}),
    ...(input.setup ? { setup: input.setup } : {}),
    push: { remote: remoteOf(deps, co.pull), branch: co.pull.headRef },
    concurrency: input.concurrency ?? co.config.execution.concurrency,
    ...(input.model ? { model: input.model } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.env ? { env: input.env } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(input.command === "continue" ? { confirm: true } : {}),
  });
  const next = nextCommands(run);
  reporter.setOutcome(run.outcome, run.message, next);
  await closeReporters(deps, reporters);
  return resultOf(
    reporter.view,
    run.outcome,
    run.outcome === "succeeded" ? run.message : `${run.message}; next: ${next.join(", ")}`,
    run,
  );
}

/** `/skip <task>`: an empty commit marking the task done without running it, pushed like a task. */
async function skipTask(
  workspace: Workspace,
  co: PlanCheckout,
  taskId: string | undefined,
  done: Map<string, string | undefined>,
): Promise<void> {
  const task = co.plan.phases.flatMap((p) => p.tasks).find((t) => t.id === taskId);
  if (!task)
    throw new UsageError(
      `skip needs a task of plan ${co.plan.id}; ${JSON.stringify(taskId ?? "")} is not one`,
    );
  if (done.has(task.id)) throw new UsageError(`task ${task.id} is already done`);
  await workspace.commit({
    title: `Skip "${task.title}"`,
    body: "Skipped with /skip: marked done without running it.",
    trailers: [
      [TRAILER_PLAN, co.plan.id],
      [TRAILER_TASK, task.id],
      [TRAILER_PLAN_BLOB, co.planBlob],
      ["Planwright-Skipped", "true"],
    ],
    allowEmpty: true,
  });
}

/** A commit that claims to be Planwright's without GitHub's proof stops everything built on it. */
export function refuseForged(state: ExecutionState): void {
  const [first] = state.forged;
  if (!first) return;
  const more = state.forged.length > 1 ? ` (and ${state.forged.length - 1} more)` : "";
  throw new ConflictError(
    `${first.reason}${more}; nothing runs on top of it until it is removed from the branch`,
  );
}
