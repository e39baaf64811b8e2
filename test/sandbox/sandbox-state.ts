/**
 * The sandbox's in-memory GitHub with the JSON shapes GitHub gives its objects (the server
 * completes them from the OpenAPI schemas). The records themselves live in ./sandbox-records.ts.
 */
import { SandboxRecords } from "./sandbox-records.js";
import type {
  CheckRunRecord,
  CommentRecord,
  IssueRecord,
  ReviewCommentRecord,
  ReviewRecord,
  WorkflowRunRecord,
} from "./sandbox-records.js";

export * from "./sandbox-records.js";

/** Everything the sandbox remembers besides git, and how GitHub shows it. */
export class SandboxState extends SandboxRecords {
  userJson(login: string): Record<string, unknown> {
    const user = this.user(login);
    return {
      login: user.login,
      id: user.id,
      node_id: `U_${user.id}`,
      type: user.type,
      site_admin: false,
      html_url: `https://github.com/${user.login}`,
    };
  }

  repoJson(): Record<string, unknown> {
    return {
      id: 1,
      node_id: "R_1",
      name: this.repo,
      full_name: `${this.owner}/${this.repo}`,
      owner: this.userJson(this.owner),
      private: true,
      default_branch: this.defaultBranch,
      html_url: `https://github.com/${this.owner}/${this.repo}`,
      url: `${this.baseUrl()}/repos/${this.owner}/${this.repo}`,
      fork: false,
      archived: false,
      disabled: false,
      visibility: "private",
    };
  }

  issueJson(issue: IssueRecord): Record<string, unknown> {
    const api = `${this.baseUrl()}/repos/${this.owner}/${this.repo}`;
    return {
      id: issue.number * 10 + 1,
      node_id: `I_${issue.number}`,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      user: this.userJson(issue.user),
      labels: issue.labels.map((name, i) => ({ id: i + 1, name, color: "ededed", default: false })),
      assignees: [],
      comments: [...this.comments.values()].filter((c) => c.issue === issue.number).length,
      locked: false,
      created_at: issue.createdAt,
      updated_at: issue.createdAt,
      closed_at: null,
      author_association: this.user(issue.user).permission ? "COLLABORATOR" : "NONE",
      url: `${api}/issues/${issue.number}`,
      html_url: `https://github.com/${this.owner}/${this.repo}/issues/${issue.number}`,
      ...(issue.pull
        ? {
            pull_request: {
              url: `${api}/pulls/${issue.number}`,
              html_url: `https://github.com/${this.owner}/${this.repo}/pull/${issue.number}`,
              diff_url: null,
              patch_url: null,
            },
          }
        : {}),
    };
  }

  commentJson(comment: CommentRecord): Record<string, unknown> {
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      body: comment.body,
      user: this.userJson(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: this.user(comment.user).permission ? "COLLABORATOR" : "NONE",
      html_url: `https://github.com/${this.owner}/${this.repo}/issues/${comment.issue}#issuecomment-${comment.id}`,
      issue_url: `${this.baseUrl()}/repos/${this.owner}/${this.repo}/issues/${comment.issue}`,
    };
  }

  async pullJson(issue: IssueRecord): Promise<Record<string, unknown>> {
    const pull = issue.pull;
    if (!pull) throw new Error(`#${issue.number} is not a pull request`);
    const headSha = (await this.git.branchHead(pull.head)) ?? "0".repeat(40);
    const baseSha = (await this.git.branchHead(pull.base)) ?? "0".repeat(40);
    const side = (ref: string, sha: string) => ({
      label: `${this.owner}:${ref}`,
      ref,
      sha,
      user: this.userJson(this.owner),
      repo: this.repoJson(),
    });
    return {
      ...this.issueJson(issue),
      id: issue.number * 10 + 2,
      node_id: `PR_${issue.number}`,
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${issue.number}`,
      state: issue.state,
      merged: pull.merged,
      merged_at: null,
      draft: false,
      head: side(pull.head, headSha),
      base: side(pull.base, baseSha),
    };
  }

  reviewJson(review: ReviewRecord): Record<string, unknown> {
    return {
      id: review.id,
      node_id: `PRR_${review.id}`,
      user: this.userJson(review.user),
      body: review.body,
      state: review.state,
      commit_id: review.commitId,
      submitted_at: review.submittedAt,
      author_association: "COLLABORATOR",
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${review.pull}#pullrequestreview-${review.id}`,
      pull_request_url: `${this.baseUrl()}/repos/${this.owner}/${this.repo}/pulls/${review.pull}`,
    };
  }

  reviewCommentJson(comment: ReviewCommentRecord): Record<string, unknown> {
    return {
      id: comment.id,
      node_id: `PRRC_${comment.id}`,
      pull_request_review_id: comment.reviewId,
      user: this.userJson(comment.user),
      path: comment.path,
      line: comment.line,
      original_line: comment.line,
      side: "RIGHT",
      body: comment.body,
      commit_id: comment.commitId,
      original_commit_id: comment.commitId,
      diff_hunk: "@@ -1 +1 @@",
      author_association: "COLLABORATOR",
    };
  }

  checkRunJson(run: CheckRunRecord): Record<string, unknown> {
    return {
      id: run.id,
      node_id: `CR_${run.id}`,
      name: run.name,
      head_sha: run.headSha,
      status: run.status,
      conclusion: run.conclusion,
      external_id: run.externalId,
      details_url: run.detailsUrl,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: { ...run.output, annotations_count: run.annotations.length },
      pull_requests: [],
      app: null,
      check_suite: { id: 1 },
    };
  }

  workflowRunJson(run: WorkflowRunRecord): Record<string, unknown> {
    return {
      id: run.id,
      node_id: `WFR_${run.id}`,
      name: run.workflowId,
      path: `.github/workflows/${run.workflowId}`,
      head_branch: run.headBranch,
      head_sha: run.headSha,
      run_number: run.id,
      event: "workflow_dispatch",
      status: run.status,
      conclusion: run.conclusion,
      workflow_id: 1,
      created_at: run.createdAt,
      updated_at: run.createdAt,
      html_url: `https://github.com/${this.owner}/${this.repo}/actions/runs/${run.id}`,
      repository: this.repoJson(),
      head_repository: this.repoJson(),
      pull_requests: [],
    };
  }
}
