/**
 * The GitHub gateway over Octokit. It only uses `request` and `paginate`, which Probot's
 * `context.octokit` and `new Octokit()` from @octokit/rest both have, so one implementation
 * serves the App and the Action. Every string bound for GitHub passes the redactor; every
 * failure leaves as one of our typed errors (see ./errors.ts).
 */
import { PlanwrightError } from "../errors.js";
import { redact } from "../redact.js";
import { checkRunMethods } from "./check-runs.js";
import type { GitHubGateway } from "./gateway.js";
import { createCaller, NEEDS, PER_PAGE, type OctokitLike, type RetryOptions } from "./github-caller.js";
import {
  mapComment,
  mapCommitTree,
  mapIssue,
  mapPermission,
  mapPull,
  mapReview,
  mapReviewComment,
  mapWorkflowRun,
  type Raw,
} from "./map-responses.js";
import { contentMethods } from "./repo-contents.js";
import { gitDataMethods } from "./git-data.js";

export type { OctokitLike, RetryOptions } from "./github-caller.js";

/** GitHub refuses a workflow_dispatch with more inputs than this. */
const MAX_DISPATCH_INPUTS = 25;

/**
 * A gateway for one repository. `octokit` must already be authenticated (an installation token
 * for the App, GITHUB_TOKEN for the Action). Transient failures are retried only when `options`
 * asks for it (Probot's Octokit already retries and throttles; a bare @octokit/rest does not).
 */
export function createGateway(
  octokit: OctokitLike,
  repo: { owner: string; repo: string },
  options: RetryOptions = {},
): GitHubGateway {
  const github = createCaller(octokit, repo, options);

  async function createComment(issue: number, body: string) {
    const data = await github.must(
      "create the comment",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
      {
        issue_number: issue,
        body: redact(body),
      },
      NEEDS.issues,
    );
    return mapComment(data);
  }

  async function updateComment(commentId: number, body: string) {
    await github.call(
      "update the comment",
      "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
      {
        comment_id: commentId,
        body: redact(body),
      },
      NEEDS.issues,
    );
  }

  async function listComments(issue: number) {
    const route = "GET /repos/{owner}/{repo}/issues/{issue_number}/comments";
    return (await github.all("list the comments", route, { issue_number: issue })).map(mapComment);
  }

  const contents = contentMethods(github);

  return {
    owner: repo.owner,
    repo: repo.repo,
    ...contents,
    ...gitDataMethods(github),
    ...checkRunMethods(github),

    async branchCommit(branch) {
      // The commit listing with one item: sha and tree in one small answer, where GET
      // /commits/{ref} would add the commit's whole diff.
      const data = await github.call(
        `read branch ${branch}`,
        "GET /repos/{owner}/{repo}/commits",
        { sha: branch, per_page: 1 },
        { notFoundIsAbsent: true },
      );
      return Array.isArray(data) ? mapCommitTree(data[0]) : undefined;
    },

    async permissionOf(login) {
      const route = "GET /repos/{owner}/{repo}/collaborators/{username}/permission";
      const data = await github.call(
        "read the user's permission",
        route,
        { username: login },
        {
          notFoundIsAbsent: true,
        },
      );
      return data ? mapPermission(data) : "none";
    },

    async getIssue(number) {
      const route = "GET /repos/{owner}/{repo}/issues/{issue_number}";
      return mapIssue(await github.must(`read issue #${number}`, route, { issue_number: number }));
    },

    listComments,
    createComment,
    updateComment,

    async upsertComment(issue, marker, body) {
      const text = body.includes(marker) ? body : `${marker}\n${body}`;
      // Only a bot's comment can be ours: editing a person's comment that quotes the marker would
      // put our status under their name, where they could later rewrite it.
      const existing = (await listComments(issue)).find(
        (comment) => comment.user.type === "Bot" && comment.body.includes(marker),
      );
      if (!existing) return createComment(issue, text);
      const redacted = redact(text);
      // An unchanged body is not sent again: the request budget of a command is small.
      if (existing.body !== redacted) await updateComment(existing.id, redacted);
      return { ...existing, body: redacted };
    },

    async addReaction(commentId, content) {
      const route = "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions";
      await github.call("react to the comment", route, { comment_id: commentId, content }, NEEDS.issues);
    },

    async addLabels(issue, labels) {
      if (labels.length === 0) return;
      const route = "POST /repos/{owner}/{repo}/issues/{issue_number}/labels";
      await github.call("add labels", route, { issue_number: issue, labels }, NEEDS.issues);
    },

    async getPull(number) {
      const route = "GET /repos/{owner}/{repo}/pulls/{pull_number}";
      return mapPull(await github.must(`read pull request #${number}`, route, { pull_number: number }));
    },

    async findPullForBranch(branch) {
      const data = await github.call("find the pull request", "GET /repos/{owner}/{repo}/pulls", {
        head: `${repo.owner}:${branch}`,
        state: "open",
        per_page: 10,
      });
      const list = Array.isArray(data) ? data : [];
      return list.map(mapPull).find((pull) => pull.headRef === branch && !pull.fromFork);
    },

    async createPull(input) {
      const data = await github.must(
        "open the pull request",
        "POST /repos/{owner}/{repo}/pulls",
        {
          title: redact(input.title),
          head: input.head,
          base: input.base,
          body: redact(input.body),
        },
        NEEDS.pulls,
      );
      return mapPull(data);
    },

    async updatePull(number, input) {
      const fields: Raw = {};
      if (input.title !== undefined) fields.title = redact(input.title);
      if (input.body !== undefined) fields.body = redact(input.body);
      const route = "PATCH /repos/{owner}/{repo}/pulls/{pull_number}";
      await github.call(
        `update pull request #${number}`,
        route,
        { pull_number: number, ...fields },
        NEEDS.pulls,
      );
    },

    async listReviews(pull) {
      const route = "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews";
      return (await github.all("list the reviews", route, { pull_number: pull })).map(mapReview);
    },

    async listReviewComments(pull, reviewId) {
      const items =
        reviewId === undefined
          ? await github.all(
              "list the review comments",
              "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments",
              {
                pull_number: pull,
              },
            )
          : await github.all(
              "list the review comments",
              "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments",
              { pull_number: pull, review_id: reviewId },
            );
      return items.map(mapReviewComment);
    },

    async dispatchWorkflow(workflow, ref, inputs) {
      const count = Object.keys(inputs).length;
      if (count > MAX_DISPATCH_INPUTS) {
        throw new PlanwrightError(
          "internal",
          `cannot start workflow ${workflow}: ${count} inputs, GitHub takes at most ${MAX_DISPATCH_INPUTS}`,
        );
      }
      const route = "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches";
      await github.call(
        `start workflow ${workflow}`,
        route,
        { workflow_id: workflow, ref, inputs },
        NEEDS.actions,
      );
    },

    async listWorkflowRuns(workflow, options = {}) {
      // The newest page only: enough to find a run just dispatched or still going.
      const route = "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs";
      const data = await github.must(`list the runs of workflow ${workflow}`, route, {
        workflow_id: workflow,
        per_page: PER_PAGE,
        ...(options.status !== undefined ? { status: options.status } : {}),
        ...(options.branch !== undefined ? { branch: options.branch } : {}),
      });
      return Array.isArray(data.workflow_runs) ? data.workflow_runs.map(mapWorkflowRun) : [];
    },

    async cancelWorkflowRun(runId) {
      // 409: the run already finished, which is what cancelling wanted.
      await github.call(
        `cancel workflow run ${runId}`,
        "POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel",
        {
          run_id: runId,
        },
        { ...NEEDS.actions, okStatuses: [409] },
      );
    },
  };
}
