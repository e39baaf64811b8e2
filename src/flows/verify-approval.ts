/**
 * The re-verification before anything runs: the approval policy from GitHub's own reviews and
 * permissions, and the branch's history after each counted approval holding only this plan's task
 * and revert commits. Either failing refuses the run with the exact reason.
 */
import { judgeCommit, type ProofSource } from "../engine/commit-identity.js";
import { ConflictError, PlanwrightError } from "../errors.js";
import type { GitHubGateway, Review } from "../github/gateway.js";
import type { ApprovalResult } from "./approval-policy.js";
import { evaluateApproval } from "./evaluate-approval.js";
import { findRequestMarker, findStatusMarker } from "./markers.js";
import type { PlanCheckout, PlanFlowDeps } from "./plan-checkout.js";

/**
 * The gateway as the approval flow sees it: reviews are remembered (the history check needs their
 * commits) and plan files at commits the full checkout has are read from git, which saves a
 * request per reviewed commit; anything else goes to GitHub.
 */
function approvalGateway(deps: PlanFlowDeps, reviews: Review[]): GitHubGateway {
  const gateway = deps.gateway;
  const overrides: Partial<GitHubGateway> = {
    async listReviews(pull) {
      reviews.push(...(await gateway.listReviews(pull)));
      return reviews;
    },
    async readFile(path, ref) {
      const blob = await deps.workspace.git(["rev-parse", "--verify", "--quiet", `${ref}:${path}`], {
        okCodes: [1, 128],
      });
      if (blob.code !== 0 || !/^[0-9a-f]{40}$/.test(ref)) return gateway.readFile(path, ref);
      const sha = blob.stdout.trim();
      return { sha, content: (await deps.workspace.git(["cat-file", "blob", sha])).stdout };
    },
  };
  return Object.assign(Object.create(gateway) as GitHubGateway, overrides);
}

/**
 * Who asked for the plan (for `approvals.allow_requester: false`): the author of the `/plan`
 * comment that the plan's status comment, written by the account that opened the PR, names in its
 * request marker. Fails closed when that cannot be told.
 */
async function requesterOf(deps: PlanFlowDeps, co: PlanCheckout): Promise<string> {
  const issue = co.plan.issue;
  const comments = issue === undefined ? [] : await deps.gateway.listComments(issue);
  const author = co.pull.user.login.toLowerCase();
  const status = comments.find(
    (c) => c.user.login.toLowerCase() === author && findStatusMarker(c.body) === co.plan.id,
  );
  const id = status ? findRequestMarker(status.body) : undefined;
  const request = comments.find((c) => c.id === id);
  if (!request) {
    throw new PlanwrightError(
      "policy",
      "approvals.allow_requester is false, but who requested the plan cannot be told from its issue",
    );
  }
  return request.user.login;
}

/** The approval policy from GitHub's reviews and permissions (the evaluate-approval flow, reporting nothing). */
export async function verifyApproval(
  deps: PlanFlowDeps,
  co: PlanCheckout,
  botLogins: readonly string[] = [],
): Promise<ApprovalResult & { reviewCommits: Map<number, string> }> {
  const reviews: Review[] = [];
  const requester = co.config.approvals.allow_requester ? undefined : await requesterOf(deps, co);
  const result = await evaluateApproval({
    gateway: approvalGateway(deps, reviews),
    pull: co.pull,
    config: co.config,
    planPath: co.planPath,
    botLogins,
    ...(requester !== undefined ? { requester } : {}),
    report: false,
    dispatch: false,
  });
  if (result.planBlob !== undefined && result.planBlob !== co.planBlob) {
    throw new ConflictError(
      `the branch moved while starting: GitHub's head ${result.headSha.slice(0, 7)} has plan blob ${result.planBlob.slice(0, 7)}, the checkout has ${co.planBlob.slice(0, 7)}; run again`,
    );
  }
  if (!result.approval) throw new PlanwrightError("policy", result.summary);
  return { ...result.approval, reviewCommits: new Map(reviews.map((r) => [r.id, r.commitId])) };
}

/**
 * Refuses unless every commit after the oldest counted approval is this plan's task or revert
 * commit, proven so by GitHub (see engine/commit-identity.ts): copied trailers are not enough.
 */
export async function verifyHistory(
  deps: PlanFlowDeps,
  co: PlanCheckout,
  approval: ApprovalResult,
  reviewCommits: ReadonlyMap<number, string>,
  proofs: ProofSource,
): Promise<void> {
  const { workspace } = deps;
  for (const { reviewId, login } of approval.counted) {
    const commit = reviewCommits.get(reviewId);
    if (!commit) continue;
    const ancestor = await workspace.git(["merge-base", "--is-ancestor", commit, "HEAD"], {
      okCodes: [1, 128],
    });
    if (ancestor.code !== 0)
      throw new ConflictError(`@${login} approved ${commit.slice(0, 7)}, which is no longer on the branch`);
    for (const c of await workspace.history(commit)) {
      const judged = judgeCommit(c, co.plan.id, proofs);
      if (judged.ours) continue;
      throw new ConflictError(
        judged.reason !== undefined
          ? `${judged.reason}; it came after the approved commit ${commit.slice(0, 7)}`
          : `commit ${c.sha.slice(0, 7)} ("${c.subject.slice(0, 80)}")${authorOf(proofs, c.sha)} after the approved commit ${commit.slice(0, 7)} is not a Planwright task or revert commit`,
      );
    }
  }
}

function authorOf(proofs: ProofSource, sha: string): string {
  const author = proofs.of(sha)?.author;
  return author ? ` by ${author}` : "";
}
