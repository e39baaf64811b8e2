/**
 * GitHub's REST payloads mapped to the gateway's types. Payloads are read defensively: a deleted
 * user comes back as `null`, optional fields are absent, states vary in case between webhooks
 * and REST.
 */
import type {
  CheckConclusion,
  CheckRun,
  CheckStatus,
  CommitInfo,
  GitHubUser,
  Issue,
  IssueComment,
  Permission,
  PullRequest,
  Review,
  ReviewComment,
  ReviewState,
  WorkflowRun,
} from "./gateway.js";

/** A JSON object from GitHub, read field by field. */
export type Raw = Record<string, unknown>;

function obj(value: unknown): Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Raw) : {};
}

function str(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

function num(value: unknown): number {
  return typeof value === "number" ? value : 0;
}

function optNum(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/** GitHub shows a deleted account as "ghost". */
export function mapUser(value: unknown): GitHubUser {
  const user = obj(value);
  return { login: str(user.login, "ghost"), type: str(user.type, "User") };
}

export function mapIssue(value: unknown): Issue {
  const issue = obj(value);
  const labels = Array.isArray(issue.labels) ? issue.labels : [];
  return {
    number: num(issue.number),
    title: str(issue.title),
    body: str(issue.body),
    user: mapUser(issue.user),
    isPullRequest: issue.pull_request !== undefined && issue.pull_request !== null,
    labels: labels
      .map((label) => (typeof label === "string" ? label : str(obj(label).name)))
      .filter((l) => l !== ""),
  };
}

export function mapComment(value: unknown): IssueComment {
  const comment = obj(value);
  return {
    id: num(comment.id),
    body: str(comment.body),
    user: mapUser(comment.user),
    createdAt: str(comment.created_at),
  };
}

export function mapPull(value: unknown): PullRequest {
  const pull = obj(value);
  const head = obj(pull.head);
  const base = obj(pull.base);
  const headRepo = obj(head.repo);
  const baseRepo = obj(base.repo);
  return {
    number: num(pull.number),
    title: str(pull.title),
    body: str(pull.body),
    state: pull.state === "closed" ? "closed" : "open",
    merged: pull.merged === true || (typeof pull.merged_at === "string" && pull.merged_at !== ""),
    user: mapUser(pull.user),
    headRef: str(head.ref),
    headSha: str(head.sha),
    baseRef: str(base.ref),
    // A deleted fork has no head repository: treat it as foreign, never as ours.
    fromFork: head.repo === null || str(headRepo.full_name) !== str(baseRepo.full_name),
    htmlUrl: str(pull.html_url),
  };
}

const REVIEW_STATES = new Set<ReviewState>([
  "APPROVED",
  "CHANGES_REQUESTED",
  "COMMENTED",
  "DISMISSED",
  "PENDING",
]);

/** Review states in REST's uppercase spelling; webhooks send `approved`, `changes_requested`, … */
export function normaliseReviewState(state: unknown): ReviewState {
  const upper = str(state).toUpperCase() as ReviewState;
  return REVIEW_STATES.has(upper) ? upper : "COMMENTED";
}

export function mapReview(value: unknown): Review {
  const review = obj(value);
  return {
    id: num(review.id),
    user: mapUser(review.user),
    state: normaliseReviewState(review.state),
    body: str(review.body),
    commitId: str(review.commit_id),
    submittedAt: str(review.submitted_at),
  };
}

export function mapReviewComment(value: unknown): ReviewComment {
  const comment = obj(value);
  return {
    id: num(comment.id),
    reviewId: optNum(comment.pull_request_review_id),
    user: mapUser(comment.user),
    path: str(comment.path),
    // A comment on lines that a later push changed has `line: null` but keeps `original_line`.
    line: optNum(comment.line) ?? optNum(comment.original_line),
    body: str(comment.body),
  };
}

export function mapCheckRun(value: unknown): CheckRun {
  const run = obj(value);
  return {
    id: num(run.id),
    name: str(run.name),
    headSha: str(run.head_sha),
    status: str(run.status, "queued") as CheckStatus,
    conclusion: typeof run.conclusion === "string" ? (run.conclusion as CheckConclusion) : null,
    externalId: typeof run.external_id === "string" ? run.external_id : null,
  };
}

export function mapWorkflowRun(value: unknown): WorkflowRun {
  const run = obj(value);
  return {
    id: num(run.id),
    status: str(run.status),
    conclusion: typeof run.conclusion === "string" ? run.conclusion : null,
    headBranch: str(run.head_branch),
    event: str(run.event),
    htmlUrl: str(run.html_url),
    createdAt: str(run.created_at),
    displayTitle: str(run.display_title),
  };
}

/** The sha and root tree of a commit of the commits API, or undefined when either is missing. */
export function mapCommitTree(value: unknown): { sha: string; treeSha: string } | undefined {
  const commit = obj(value);
  const sha = str(commit.sha);
  const treeSha = str(obj(obj(commit.commit).tree).sha);
  return sha !== "" && treeSha !== "" ? { sha, treeSha } : undefined;
}

/** A commit of the commits or compare API; the author is the GitHub login, else the git name. */
export function mapCommit(value: unknown): CommitInfo {
  const commit = obj(value);
  const detail = obj(commit.commit);
  const parents = Array.isArray(commit.parents) ? commit.parents : [];
  const authorLogin = str(obj(commit.author).login);
  const committerLogin = str(obj(commit.committer).login);
  return {
    sha: str(commit.sha),
    parents: parents.map((parent) => str(obj(parent).sha)),
    message: str(detail.message),
    author: authorLogin || str(obj(detail.author).name),
    verified: obj(detail.verification).verified === true,
    ...(authorLogin ? { authorLogin } : {}),
    ...(committerLogin ? { committerLogin } : {}),
  };
}

const ROLES = new Set<Permission>(["admin", "maintain", "write", "triage", "read", "none"]);

/**
 * The permission from the collaborator-permission payload. `role_name` is the precise role
 * (maintain and triage appear only there); `permission` is the legacy mapping (maintain reads
 * as write, triage as read), the right fallback for custom roles, whose role_name is their own.
 */
export function mapPermission(value: unknown): Permission {
  const data = obj(value);
  const role = str(data.role_name).toLowerCase() as Permission;
  if (ROLES.has(role)) return role;
  const permission = str(data.permission).toLowerCase() as Permission;
  return ROLES.has(permission) ? permission : "none";
}
