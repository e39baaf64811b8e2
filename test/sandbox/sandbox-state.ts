/**
 * The sandbox's in-memory GitHub: users, issues and pull requests (one number space, as on GitHub),
 * comments, reactions, labels, reviews, review comments, check runs and workflow runs, plus the
 * JSON shapes GitHub gives them (completed from the OpenAPI schemas by the server). Git data lives
 * in the bare repository, not here.
 */
import type { BareRepo } from "./bare-repo.js";

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export interface SandboxUser {
  login: string;
  id: number;
  type: "User" | "Bot";
  /** Permission on the repository; absent means not a collaborator (404 from the permission API). */
  permission?: Permission;
}

export interface IssueRecord {
  number: number;
  title: string;
  body: string;
  user: string;
  state: "open" | "closed";
  labels: string[];
  createdAt: string;
  /** Set for a pull request. */
  pull?: { head: string; base: string; merged: boolean };
}

export interface CommentRecord {
  id: number;
  issue: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
  /** Every body the comment ever had (edits included), for audits. */
  history: string[];
}

export interface ReactionRecord {
  id: number;
  commentId: number;
  content: string;
  user: string;
}

export interface ReviewRecord {
  id: number;
  pull: number;
  user: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  body: string;
  commitId: string;
  submittedAt: string;
}

export interface ReviewCommentRecord {
  id: number;
  pull: number;
  reviewId: number;
  user: string;
  path: string;
  line: number;
  body: string;
  commitId: string;
}

export interface CheckRunRecord {
  id: number;
  name: string;
  headSha: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  actions: unknown[];
  annotations: unknown[];
  startedAt: string;
  completedAt: string | null;
  /** Every title, summary and text the run ever showed, for audits. */
  history: string[];
  app: string;
}

export interface WorkflowRunRecord {
  id: number;
  workflowId: string;
  ref: string;
  inputs: Record<string, string>;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  headBranch: string;
  headSha: string;
  createdAt: string;
  /** Output of the run (the Action's stdout and stderr, job summary), for audits. */
  log: string;
  abort: AbortController;
}

/** Everything the sandbox remembers besides git. */
export class SandboxState {
  users = new Map<string, SandboxUser>();
  issues = new Map<number, IssueRecord>();
  comments = new Map<number, CommentRecord>();
  reactions: ReactionRecord[] = [];
  reviews = new Map<number, ReviewRecord>();
  reviewComments = new Map<number, ReviewCommentRecord>();
  checkRuns = new Map<number, CheckRunRecord>();
  workflowRuns = new Map<number, WorkflowRunRecord>();
  /** Token → login of its holder. */
  tokens = new Map<string, string>();
  /** Commit sha → who moved a branch to it (API ref updates and pushes), for audits. */
  pushedBy = new Map<string, string>();
  /** Every commit message written through the API, and every PR title and body, for audits. */
  commitMessages: string[] = [];
  pullBodies: string[] = [];
  /** Pull request number → the head sha last announced (for `synchronize` events). */
  pullHeads = new Map<number, string>();
  private nextId = 1000;
  private nextNumber = 1;
  private clockMs = Date.parse("2026-01-01T00:00:00Z");

  constructor(
    readonly owner: string,
    readonly repo: string,
    readonly defaultBranch: string,
    readonly git: BareRepo,
    readonly baseUrl: () => string,
    readonly appSlug: string,
  ) {}

  issueToken(login: string): string {
    const token = `ghs_sandbox_${this.id()}_${login.replace(/\W/g, "")}`;
    this.tokens.set(token, login);
    return token;
  }

  emailOf(login: string): string {
    return `${this.user(login).id}+${login}@users.noreply.github.com`;
  }

  loginByEmail(email: string): string | undefined {
    const match = /^\d+\+(.+)@users\.noreply\.github\.com$/.exec(email);
    return match ? match[1] : undefined;
  }

  addIssue(user: string, title: string, body: string, pull?: IssueRecord["pull"]): IssueRecord {
    const issue: IssueRecord = {
      number: this.number(),
      title,
      body,
      user,
      state: "open",
      labels: [],
      createdAt: this.now(),
      ...(pull ? { pull } : {}),
    };
    this.issues.set(issue.number, issue);
    if (pull) this.pullBodies.push(title, body);
    return issue;
  }

  addComment(issue: number, user: string, body: string): CommentRecord {
    const at = this.now();
    const comment = { id: this.id(), issue, body, user, createdAt: at, updatedAt: at, history: [body] };
    this.comments.set(comment.id, comment);
    return comment;
  }

  addWorkflowRun(
    workflowId: string,
    ref: string,
    headSha: string,
    inputs: Record<string, string>,
  ): WorkflowRunRecord {
    const run: WorkflowRunRecord = {
      id: this.id(),
      workflowId,
      ref,
      inputs,
      status: "queued",
      conclusion: null,
      headBranch: ref,
      headSha,
      createdAt: this.now(),
      log: "",
      abort: new AbortController(),
    };
    this.workflowRuns.set(run.id, run);
    return run;
  }

  id(): number {
    return this.nextId++;
  }

  number(): number {
    return this.nextNumber++;
  }

  /** Strictly increasing timestamps, so "latest" orderings never tie. */
  now(): string {
    this.clockMs = Math.max(this.clockMs + 1000, Math.floor(Date.now() / 1000) * 1000);
    return new Date(this.clockMs).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  user(login: string): SandboxUser {
    let user = this.users.get(login);
    if (!user) {
      user = { login, id: this.id(), type: login.endsWith("[bot]") ? "Bot" : "User" };
      this.users.set(login, user);
    }
    return user;
  }

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
