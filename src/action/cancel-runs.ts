/**
 * `/cancel` in Action-only mode: this workflow run cancels the other active runs of the same
 * workflow that serve the pull request, never itself. A run serves PR #n when its title
 * (`run-name:`) names `#n`, or when it runs on the PR's branch (a `pull_request_review` run).
 * Workflows without a `run-name` give runs no PR to match: then the one other active run is
 * cancelled, and with several the command is refused with their links rather than guessed.
 */
import { UsageError } from "../errors.js";
import type { GitHubGateway, WorkflowRun } from "../github/gateway.js";
import { statusMarker } from "../flows/markers.js";
import { ACTIVE_RUN_STATUSES, titleNamesPull } from "../flows/dispatch-command.js";
import { planIdOfBranch } from "../flows/plan-pr.js";
import { renderStatusComment } from "../flows/status-comment.js";

const ACTIVE = ACTIVE_RUN_STATUSES;

export interface CancelRunsInput {
  pr: number;
  /** The workflow file this run belongs to (e.g. `planwright.yml`). */
  workflow: string;
  /** This run's id: never cancelled. */
  selfRunId?: number;
  actor: string;
  commentId?: number;
}

export interface CancelRunsOutcome {
  /** `skipped`: nothing to cancel, or runs that cannot be told apart (`message` says which). */
  status: "cancelled" | "skipped";
  /** Runs cancelled. */
  runs: number[];
  message: string;
}

export { titleNamesPull };

const namesSomePull = (run: WorkflowRun): boolean => /#\d+/.test(run.displayTitle ?? "");

/** Which of `runs` to cancel for `pr` on `branch`, or why none. */
export function runsToCancel(
  runs: readonly WorkflowRun[],
  pr: number,
  branch: string,
  selfRunId?: number,
): { cancel: WorkflowRun[] } | { refuse: string } {
  const others = runs.filter((run) => ACTIVE.has(run.status) && run.id !== selfRunId);
  const serving = others.filter(
    (run) => titleNamesPull(run.displayTitle ?? "", pr) || run.headBranch === branch,
  );
  if (serving.length > 0) return { cancel: serving };
  if (others.length === 0) return { refuse: "no Planwright run is active" };
  const untitled = others.filter((run) => !namesSomePull(run));
  if (untitled.length === 0) return { refuse: `no active Planwright run is for #${pr}` };
  if (untitled.length === 1) return { cancel: untitled };
  return {
    refuse: `${untitled.length} Planwright runs are active and their titles name no pull request (set the workflow's run-name); cancel the right one: ${untitled.map((run) => run.htmlUrl).join(", ")}`,
  };
}

/** Cancels the runs serving `input.pr` and says so in the plan's status comment. */
export async function cancelRuns(gateway: GitHubGateway, input: CancelRunsInput): Promise<CancelRunsOutcome> {
  const pull = await gateway.getPull(input.pr);
  const planId = planIdOfBranch(pull.headRef);
  if (!planId) throw new UsageError(`/cancel: #${input.pr} is not a Planwright plan pull request`);
  const choice = runsToCancel(
    await gateway.listWorkflowRuns(input.workflow),
    input.pr,
    pull.headRef,
    input.selfRunId,
  );
  const request = input.commentId !== undefined ? { requestCommentId: input.commentId } : {};
  if ("refuse" in choice) {
    return { status: "skipped", runs: [], message: `/cancel: ${choice.refuse}` };
  }
  for (const run of choice.cancel) await gateway.cancelWorkflowRun(run.id);
  const body = renderStatusComment({
    planId,
    pull: input.pr,
    state: "failed",
    failure: { reason: `cancelled by @${input.actor}` },
    ...(choice.cancel[0] ? { runUrl: choice.cancel[0].htmlUrl } : {}),
    ...request,
    next: [
      { command: "/execute", does: "execute again (done tasks are kept)" },
      { command: "/rollback", does: "revert what was done" },
    ],
  });
  await gateway.upsertComment(input.pr, statusMarker(planId), body);
  const ids = choice.cancel.map((run) => run.id);
  return {
    status: "cancelled",
    runs: ids,
    message: `cancelled workflow run${ids.length > 1 ? "s" : ""} ${ids.join(", ")} of #${input.pr}`,
  };
}
