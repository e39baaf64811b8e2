/**
 * The commands that hand a plan to the Action: `/execute`, `/continue`, `/retry [task]`,
 * `/skip <task>` and `/rollback [task]` dispatch the execution workflow (from the default branch,
 * never the PR's) with `{command, pr, plan, plan-blob, task}`; `/cancel` cancels the PR's active
 * runs (told apart by their titles, see {@link runsOfPull});
 * `/status` refreshes the status comment. The caller has checked the actor's permission; execution
 * commands re-check the approval here, from GitHub's own state, right before dispatching (the
 * Action checks it once more before running anything).
 *
 * Every outcome is written in the plan's status comment on the thread where the command was given,
 * with the command's request marker, so a replayed command (a restart that replays the journal)
 * sees that it was already answered and does not dispatch twice.
 */
import type { Config } from "../config.js";
import { failureClassOf, messageOf, type FailureClass } from "../errors.js";
import type { CheckRun, GitHubGateway, IssueComment, PullRequest, WorkflowRun } from "../github/gateway.js";
import { alreadyAnswered, findStatusMarker } from "./markers.js";
import type { Command } from "./parse-command.js";
import { PLAN_CHECK, planBranch, planFilePath, planIdOfBranch } from "./plan-pr.js";
import { renderStatusComment, type NextCommand, type PlanState, type PlanStatus } from "./status-comment.js";

/** The commands this flow handles. */
export type DispatchableCommand =
  | { kind: "execute" | "continue" | "cancel" | "status" }
  | { kind: "retry" | "rollback"; task?: string }
  | { kind: "skip"; task: string };

/** The command as this flow takes it, or undefined for the commands it does not handle. */
export function asDispatchable(command: Command): DispatchableCommand | undefined {
  switch (command.kind) {
    case "retry":
    case "rollback":
    case "skip":
      return command;
    case "execute":
    case "continue":
    case "cancel":
    case "status":
      return { kind: command.kind };
    default:
      return undefined;
  }
}

/** What the approval check reports (the evaluate-approval flow, without dispatching). */
export interface ApprovalCheck {
  satisfied: boolean;
  summary: string;
}

export interface DispatchCommandDeps {
  gateway: GitHubGateway;
  config: Config;
  /** Logins Planwright writes as: markers are only trusted in their comments. */
  ourLogins: readonly string[];
  /** Re-checks the approval policy of a plan PR from GitHub's state. */
  checkApproval: (pull: PullRequest) => Promise<ApprovalCheck>;
  log?: (line: string) => void;
}

export interface DispatchCommandInput {
  command: DispatchableCommand;
  /** The plan's pull request. */
  pull: number;
  /** Where the command was given (the PR, or the issue of the plan): the answer goes there. */
  thread: number;
  actor: string;
  /** The command's comment (the idempotency key); undefined for the check run's button. */
  commentId?: number;
}

export type DispatchCommandOutcome =
  | { status: "dispatched"; planId: string; inputs: Record<string, string> }
  | { status: "cancelled"; planId: string; runs: number[] }
  | { status: "reported"; planId: string; state: PlanState }
  | { status: "refused"; planId?: string; reason: string }
  | { status: "already-done"; planId: string }
  | { status: "failed"; planId?: string; failureClass: FailureClass; message: string };

/** Commands that need the approval policy to hold right now. */
const NEEDS_APPROVAL = new Set(["execute", "continue", "retry", "skip"]);
/** Workflow run statuses that mean "not finished". */
export const ACTIVE_RUN_STATUSES: ReadonlySet<string> = new Set([
  "queued",
  "in_progress",
  "waiting",
  "requested",
  "pending",
]);
const ACTIVE = ACTIVE_RUN_STATUSES;

/** Whether a run's title names pull request `pr` as `#pr` (not `#pr0`). */
export function titleNamesPull(title: string, pr: number): boolean {
  return new RegExp(`#${pr}(?!\\d)`).test(title);
}

/**
 * Which of the active dispatched `runs` serve PR `pr`, or why none can be cancelled. Runs are
 * dispatched on the default branch, so only their title tells them apart: the shipped workflow's
 * `run-name` is `planwright <command> #<pr>`, which the runs API returns as `display_title`. Runs
 * whose title names no PR at all (a workflow file without that `run-name`) are the fallback: the one
 * such run is cancelled, several are refused with their links rather than guessed.
 */
export function runsOfPull(
  runs: readonly WorkflowRun[],
  pr: number,
): { cancel: WorkflowRun[] } | { refuse: string; ambiguous?: true } {
  const serving = runs.filter((run) => titleNamesPull(run.displayTitle, pr));
  if (serving.length > 0) return { cancel: serving };
  if (runs.length === 0) return { refuse: "no Planwright run is active" };
  const untitled = runs.filter((run) => !/#\d/.test(run.displayTitle));
  if (untitled.length === 0) return { refuse: `no active Planwright run is for #${pr}` };
  if (untitled.length === 1) return { cancel: untitled };
  const links = untitled.map((run) => run.htmlUrl).join(", ");
  return {
    refuse: `${untitled.length} Planwright runs are active and their titles name no pull request (give the workflow the run-name of the shipped one); cancel the right one: ${links}`,
    ambiguous: true,
  };
}

/**
 * The plan's state as the `planwright` check run on the head shows it. The App's own check runs
 * (approval) carry the plan id as external id; the Action's (execution) do not, so an
 * `action_required` or `neutral` one of the Action means a task waits for `/continue`.
 */
function stateOf(check: CheckRun | undefined): PlanState {
  if (!check) return "awaiting approval";
  if (check.status !== "completed") return "executing";
  switch (check.conclusion) {
    case "success":
      return "done";
    case "failure":
    case "timed_out":
    case "cancelled":
      return "failed";
    case "action_required":
    case "neutral":
      return check.externalId ? "awaiting approval" : "waiting";
    default:
      return "awaiting approval";
  }
}

/** Runs one dispatchable command (see the module comment); never throws, failures are reported. */
export async function dispatchCommand(
  deps: DispatchCommandDeps,
  input: DispatchCommandInput,
): Promise<DispatchCommandOutcome> {
  const gh = deps.gateway;
  const ours = new Set(deps.ourLogins.map((login) => login.toLowerCase()));
  const log = (line: string) => deps.log?.(`/${input.command.kind} #${input.pull}: ${line}`);
  let planId: string | undefined;
  let comments: IssueComment[] | undefined;

  const answer = async (status: Omit<PlanStatus, "planId">): Promise<void> => {
    if (!planId) return;
    const body = renderStatusComment({
      ...status,
      planId,
      pull: input.pull,
      ...(input.commentId !== undefined ? { requestCommentId: input.commentId } : {}),
    });
    comments ??= await gh.listComments(input.thread);
    const mine = comments.find(
      (c) => ours.has(c.user.login.toLowerCase()) && findStatusMarker(c.body) === planId,
    );
    if (mine) await gh.updateComment(mine.id, body);
    else await gh.createComment(input.thread, body);
  };
  const refuse = async (state: PlanState, reason: string, next?: NextCommand[]) => {
    await answer({ state, failure: { reason }, ...(next ? { next } : {}) });
    return { status: "refused" as const, ...(planId ? { planId } : {}), reason };
  };

  try {
    const pull = await gh.getPull(input.pull);
    planId = planIdOfBranch(pull.headRef);
    if (!planId || (pull.fromFork && !deps.config.execution.allow_forks)) {
      const reason = planId
        ? "plans from forks do not execute (execution.allow_forks is false)"
        : `#${input.pull} is not a Planwright plan pull request`;
      await gh.createComment(input.thread, `**Planwright:** \`/${input.command.kind}\` refused: ${reason}.`);
      return { status: "refused", ...(planId ? { planId } : {}), reason };
    }
    if (input.commentId !== undefined) {
      comments = await gh.listComments(input.thread);
      if (alreadyAnswered(comments, input.commentId, deps.ourLogins))
        return { status: "already-done", planId };
    }
    const kind: DispatchableCommand["kind"] = input.command.kind;
    if (pull.state !== "open") return await refuse("failed", `pull request #${pull.number} is closed`);

    const workflow = deps.config.execution.workflow;
    if (kind === "cancel") {
      const active = (await gh.listWorkflowRuns(workflow)).filter(
        (run) => ACTIVE.has(run.status) && run.event === "workflow_dispatch",
      );
      const choice = runsOfPull(active, pull.number);
      if ("refuse" in choice) {
        // Runs that cannot be told apart may include this PR's; otherwise none of them is its run.
        const state = choice.ambiguous
          ? "executing"
          : stateOf(await gh.findCheckRun(pull.headSha, PLAN_CHECK));
        return await refuse(state, choice.refuse);
      }
      for (const run of choice.cancel) await gh.cancelWorkflowRun(run.id);
      await answer({
        state: "failed",
        failure: { reason: `cancelled by @${input.actor}` },
        ...(choice.cancel[0] ? { runUrl: choice.cancel[0].htmlUrl } : {}),
        next: [
          { command: "/execute", does: "execute again (done tasks are kept)" },
          { command: "/rollback", does: "revert what was done" },
        ],
      });
      return { status: "cancelled", planId, runs: choice.cancel.map((run) => run.id) };
    }

    const approval = await deps.checkApproval(pull);
    if (kind === "status") {
      const state = stateOf(await gh.findCheckRun(pull.headSha, PLAN_CHECK));
      const ready = state === "awaiting approval" && approval.satisfied;
      await answer({
        state,
        approval: approval.summary,
        ...(ready ? { next: [{ command: "/execute", does: "run the approved plan" }] } : {}),
      });
      return { status: "reported", planId, state };
    }
    if (NEEDS_APPROVAL.has(kind) && !approval.satisfied) {
      const summary = approval.summary.replace(/^awaiting approval: /, "");
      return await refuse("awaiting approval", `not approved yet (${summary})`, [
        { command: "/status", does: "check the approvals again" },
        { command: "/revise <instruction>", does: "change the plan" },
      ]);
    }

    const path = planFilePath(planId);
    const file = await gh.readFile(path, pull.headSha);
    if (!file) return await refuse("failed", `${path} is missing on ${planBranch(planId)}`);
    const task = "task" in input.command ? input.command.task : undefined;
    const inputs: Record<string, string> = {
      command: kind,
      pr: String(pull.number),
      plan: path,
      "plan-blob": file.sha,
      ...(task !== undefined ? { task } : {}),
    };
    const base = await gh.defaultBranch();
    await gh.dispatchWorkflow(workflow, base.name, inputs);
    log(`dispatched ${workflow} on ${base.name}`);
    const what =
      kind === "rollback" ? `rolling back${task ? ` ${task}` : ""}` : `/${kind}${task ? ` ${task}` : ""}`;
    try {
      await answer({
        state: "executing",
        approval: approval.summary,
        next: [
          { command: "/status", does: `refresh this comment (${what} dispatched by @${input.actor})` },
          { command: "/cancel", does: "stop the run" },
        ],
      });
    } catch (error) {
      // The run is on its way and will report; failing now would have a retry dispatch it twice.
      log(`dispatched, but could not say so: ${messageOf(error).split("\n")[0]}`);
    }
    return { status: "dispatched", planId, inputs };
  } catch (error) {
    const failureClass = failureClassOf(error);
    const message = messageOf(error);
    log(`failed (${failureClass}): ${message.split("\n")[0]}`);
    try {
      if (planId)
        await answer({ state: "failed", failure: { reason: `/${input.command.kind} failed: ${message}` } });
    } catch (reportError) {
      log(`could not report the failure: ${messageOf(reportError)}`);
    }
    return { status: "failed", ...(planId ? { planId } : {}), failureClass, message };
  }
}
