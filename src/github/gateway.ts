/**
 * The one GitHub gateway: every call Planwright makes to GitHub goes through this interface, and
 * only src/github/ implements it (over Octokit). Flows, the App and the Action depend on the
 * interface, so the same use cases run behind Probot's Octokit and behind @octokit/rest.
 *
 * Reads of things that may not exist resolve to `undefined` instead of throwing; failures are our
 * typed errors (TransientError for 5xx/429/secondary rate limits, ConflictError for a
 * non-fast-forward ref update, PlanwrightError otherwise), never Octokit's.
 */

/** A repository's collaborator permission, as the collaborator-permission API names it. */
export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export interface GitHubUser {
  login: string;
  /** "Bot" for apps and bots. */
  type: string;
}

export interface Issue {
  number: number;
  title: string;
  body: string;
  user: GitHubUser;
  isPullRequest: boolean;
  labels: string[];
}

export interface IssueComment {
  id: number;
  body: string;
  user: GitHubUser;
  createdAt: string;
}

export interface PullRequest {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  merged: boolean;
  user: GitHubUser;
  headRef: string;
  headSha: string;
  baseRef: string;
  /** True when the head lives in another repository (a fork). */
  fromFork: boolean;
  htmlUrl: string;
}

/** Review states normalised to the REST API's uppercase spelling (webhooks send lowercase). */
export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";

export interface Review {
  id: number;
  user: GitHubUser;
  state: ReviewState;
  body: string;
  /** The commit the review was submitted on. */
  commitId: string;
  submittedAt: string;
}

export interface ReviewComment {
  id: number;
  reviewId: number | undefined;
  user: GitHubUser;
  path: string;
  line: number | undefined;
  body: string;
}

export interface FileContent {
  content: string;
  /** Git blob sha of the file. */
  sha: string;
}

export interface CommitInfo {
  sha: string;
  parents: string[];
  message: string;
  /** The author's GitHub login, else the git author name. */
  author: string;
  /** GitHub verified the commit's signature (`commit.verification.verified`). */
  verified: boolean;
  /** GitHub logins of the author and committer; undefined when GitHub links no account. */
  authorLogin?: string;
  committerLogin?: string;
}

export type CheckStatus = "queued" | "in_progress" | "completed";
export type CheckConclusion =
  "success" | "failure" | "neutral" | "cancelled" | "skipped" | "timed_out" | "action_required";

export interface CheckAnnotation {
  path: string;
  startLine: number;
  endLine: number;
  level: "notice" | "warning" | "failure";
  message: string;
}

export interface CheckRunInput {
  name: string;
  headSha: string;
  status: CheckStatus;
  conclusion?: CheckConclusion;
  title: string;
  /** Markdown; the gateway keeps it under GitHub's 65,535-character limit (tail kept). */
  summary: string;
  text?: string;
  externalId?: string;
  detailsUrl?: string;
  /** Buttons, e.g. `{ label: "Continue", identifier: "continue", description: "…" }` (at most 3). */
  actions?: { label: string; identifier: string; description: string }[];
  annotations?: CheckAnnotation[];
}

export interface CheckRun {
  id: number;
  name: string;
  headSha: string;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  externalId: string | null;
}

export interface WorkflowRun {
  id: number;
  status: string;
  conclusion: string | null;
  headBranch: string;
  event: string;
  htmlUrl: string;
  createdAt: string;
  /**
   * The run's title (`display_title`): the workflow's `run-name:` when it sets one, else the
   * workflow's name or the commit message. Planwright's workflow names the PR in it (`#12`).
   */
  displayTitle: string;
}

/** One file of a commit made through the API: content, or `null` to delete it. */
export interface FileChange {
  path: string;
  content: string | null;
}

/** One entry of a tree to create: UTF-8 `content`, or an existing blob's `sha` (`null` deletes). */
export interface TreeEntryInput {
  path: string;
  /** "100644", "100755" or "120000" (a symbolic link, whose content is its target). */
  mode: string;
  content?: string;
  sha?: string | null;
}

/** A commit as GitHub created it, with what is needed to write the same object locally. */
export interface CreatedCommit {
  sha: string;
  tree: string;
  message: string;
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  verified: boolean;
  /** The signed text and its signature, when GitHub signed the commit. */
  payload?: string;
  signature?: string;
}

export interface GitHubGateway {
  readonly owner: string;
  readonly repo: string;

  /** The user's permission on the repository (collaborator-permission API). */
  permissionOf(login: string): Promise<Permission>;

  getIssue(number: number): Promise<Issue>;
  /** All comments of an issue or PR (paginated). */
  listComments(issue: number): Promise<IssueComment[]>;
  createComment(issue: number, body: string): Promise<IssueComment>;
  updateComment(commentId: number, body: string): Promise<void>;
  /** Creates or edits in place the one comment of an issue whose body contains `marker`. */
  upsertComment(issue: number, marker: string, body: string): Promise<IssueComment>;
  addReaction(
    commentId: number,
    content: "eyes" | "+1" | "-1" | "rocket" | "confused" | "hooray",
  ): Promise<void>;
  addLabels(issue: number, labels: string[]): Promise<void>;

  defaultBranch(): Promise<{ name: string; sha: string }>;
  /**
   * The commit at the head of `branch` and its root tree, in one request (so a commit on top of it
   * needs no read of the parent); undefined when the branch does not exist.
   */
  branchCommit(branch: string): Promise<{ sha: string; treeSha: string } | undefined>;
  /** Head sha of a branch, or undefined when it does not exist. */
  branchHead(branch: string): Promise<string | undefined>;
  readFile(path: string, ref: string): Promise<FileContent | undefined>;
  /** Every file path of the tree at `ref` (recursive); `truncated` when GitHub cut the listing. */
  listTree(ref: string): Promise<{ paths: string[]; truncated: boolean }>;
  /**
   * Commits on `ref` newer than `since` (exclusive), oldest first. A `ref` that no longer contains
   * `since` is a ConflictError, unless `diverged` allows it (a branch whose base moved on): then
   * the commits of `ref` since their merge base.
   */
  listCommits(ref: string, since?: string, options?: { diverged?: boolean }): Promise<CommitInfo[]>;
  /**
   * One commit of `files` on top of `parentSha`, then moves (or, with `createBranch`, creates) the
   * branch to it without force: a branch that moved meanwhile is a ConflictError.
   */
  commitFiles(input: {
    branch: string;
    parentSha: string;
    message: string;
    files: FileChange[];
    createBranch: boolean;
    /** The parent's root tree when already known (see branchCommit): saves reading the parent. */
    parentTreeSha?: string;
  }): Promise<{ sha: string }>;

  /** A blob of base64 `content`; resolves to its sha. */
  createBlob(base64: string): Promise<string>;
  /** `baseTree` with `entries` applied (content inline, or an existing blob, or `sha: null` to delete). */
  createTree(baseTree: string, entries: TreeEntryInput[]): Promise<string>;
  /** A commit made with the gateway's own identity (GitHub signs it for an App's token). */
  createCommit(input: { message: string; tree: string; parents: string[] }): Promise<CreatedCommit>;
  /** Moves `branch` to `sha` without force: a branch that moved meanwhile is a ConflictError. */
  updateBranch(branch: string, sha: string): Promise<void>;

  getPull(number: number): Promise<PullRequest>;
  /** The open PR whose head is `branch` in this repository. */
  findPullForBranch(branch: string): Promise<PullRequest | undefined>;
  createPull(input: { title: string; head: string; base: string; body: string }): Promise<PullRequest>;
  updatePull(number: number, input: { title?: string; body?: string }): Promise<void>;
  /** All reviews of a PR (paginated), states uppercase. */
  listReviews(pull: number): Promise<Review[]>;
  /** Inline review comments of a PR, or of one review when `reviewId` is given. */
  listReviewComments(pull: number, reviewId?: number): Promise<ReviewComment[]>;

  createCheckRun(input: CheckRunInput): Promise<CheckRun>;
  updateCheckRun(id: number, input: Partial<Omit<CheckRunInput, "headSha" | "name">>): Promise<void>;
  /** The latest check run called `name` on `headSha`. */
  findCheckRun(headSha: string, name: string): Promise<CheckRun | undefined>;

  /** `workflow_dispatch` of `workflow` (file name) on `ref` with string inputs. */
  dispatchWorkflow(workflow: string, ref: string, inputs: Record<string, string>): Promise<void>;
  listWorkflowRuns(workflow: string, options?: { status?: string; branch?: string }): Promise<WorkflowRun[]>;
  cancelWorkflowRun(runId: number): Promise<void>;
}
