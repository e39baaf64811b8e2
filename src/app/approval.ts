/**
 * The App's use of the approval flow: who the requester is (only needed when
 * `approvals.allow_requester` is false, so the default costs no request), the evaluation after a
 * review or push, and the re-check before an execution command dispatches.
 */
import type { Config } from "../config.js";
import { evaluateApproval, type EvaluateApprovalResult } from "../flows/evaluate-approval.js";
import type { ApprovalCheck } from "../flows/dispatch-command.js";
import { findRequestMarker } from "../flows/markers.js";
import { planFilePath, planIdOfBranch } from "../flows/plan-pr.js";
import type { GitHubGateway, PullRequest } from "../github/gateway.js";

/**
 * Who asked for the plan of `pull`: the author of the comment named by the request marker in the
 * PR body (trusted only when Planwright wrote the PR), found among the comments of the issue the
 * body refers to.
 */
export async function requesterOf(
  gateway: GitHubGateway,
  pull: PullRequest,
  ourLogins: readonly string[],
): Promise<string | undefined> {
  const ours = new Set(ourLogins.map((login) => login.toLowerCase()));
  if (!ours.has(pull.user.login.toLowerCase())) return undefined;
  const commentId = findRequestMarker(pull.body);
  const issue = /^Refs #(\d+)$/m.exec(pull.body)?.[1];
  if (commentId === undefined || issue === undefined) return undefined;
  const comments = await gateway.listComments(Number(issue));
  return comments.find((comment) => comment.id === commentId)?.user.login;
}

async function evaluate(
  gateway: GitHubGateway,
  config: Config,
  pull: PullRequest,
  ourLogins: readonly string[],
  options: { dispatch: boolean; report: boolean; defaultBranch?: string },
): Promise<EvaluateApprovalResult | undefined> {
  const planId = planIdOfBranch(pull.headRef);
  if (!planId) return undefined;
  const requester = config.approvals.allow_requester
    ? undefined
    : await requesterOf(gateway, pull, ourLogins);
  return evaluateApproval({
    gateway,
    pull,
    config,
    planPath: planFilePath(planId),
    botLogins: ourLogins,
    dispatch: options.dispatch,
    report: options.report,
    ...(requester !== undefined ? { requester } : {}),
    ...(options.defaultBranch !== undefined ? { defaultBranch: options.defaultBranch } : {}),
  });
}

/** The re-check before an execution command: evaluates without reporting or dispatching. */
export function approvalChecker(
  gateway: GitHubGateway,
  config: Config,
  ourLogins: readonly string[],
): (pull: PullRequest) => Promise<ApprovalCheck> {
  return async (pull) => {
    const result = await evaluate(gateway, config, pull, ourLogins, { dispatch: false, report: false });
    return result ?? { satisfied: false, summary: "not a plan pull request" };
  };
}

/** After a review or a push: evaluate, report on the check run, and dispatch when allowed. */
export async function evaluatePull(
  gateway: GitHubGateway,
  config: Config,
  pullRef: number | PullRequest,
  ourLogins: readonly string[],
  defaultBranch?: string,
): Promise<{ approved: boolean; dispatched: boolean }> {
  const pull = typeof pullRef === "number" ? await gateway.getPull(pullRef) : pullRef;
  const options = { dispatch: true, report: true, ...(defaultBranch ? { defaultBranch } : {}) };
  const result = await evaluate(gateway, config, pull, ourLogins, options);
  return { approved: result?.satisfied ?? false, dispatched: result?.dispatched ?? false };
}
