/**
 * The sandbox's in-memory GitHub: users, issues and pull requests (one number space, as on GitHub),
 * comments, reactions, labels, reviews, review comments, check runs and workflow runs. Git data lives
 * in the bare repository, not here; the JSON shapes are in ./sandbox-state.ts.
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

/** The records and their bookkeeping (ids, timestamps, users, tokens). */
export class SandboxRecords {
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
  /** Repository rules the tests switch on (GitHub's rulesets). */
  rules = { requireSignedCommits: false };
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
}
