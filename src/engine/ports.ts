/**
 * The engine's ports: the only ways the engine touches the world. Adapters implement them
 * (src/git for Workspace, src/llm for Model, the CLI and GitHub reporters for Reporter); tests use
 * real adapters wherever they can run.
 */
import type { FailureClass } from "../errors.js";
import type { Plan, Task } from "../plan/schema.js";

/** Trailers carried by every task commit (ARCHITECTURE.md, "Identifiers on GitHub and in git"). */
export const TRAILER_PLAN = "Planwright-Plan";
export const TRAILER_TASK = "Planwright-Task";
export const TRAILER_PLAN_BLOB = "Planwright-Plan-Blob";
export const TRAILER_REVERT = "Planwright-Revert";
/** On the record commit of a task adopted from a hand-made commit: that commit's sha. */
export const TRAILER_ADOPTED = "Planwright-Adopted";

/** A commit on the branch as the engine sees it: sha, subject and its Planwright trailers. */
export interface HistoryCommit {
  sha: string;
  parents: string[];
  subject: string;
  /** Trailer key -> value (last one wins), e.g. `{ "Planwright-Task": "totp-service" }`. */
  trailers: Record<string, string>;
}

/** What a task commit is made of. */
export interface CommitRequest {
  /** First line of the message: the task title. */
  title: string;
  /** Free text after the blank line (the task description, attempt notes). */
  body: string;
  /** Written as git trailers, in this order. */
  trailers: [string, string][];
  /** When true, commit even though nothing changed (used only when the plan says allow_empty). */
  allowEmpty?: boolean;
}

/** One file a commit changes against its first parent, as apply-time verification sees it. */
export interface CommitFileChange {
  path: string;
  /** Added, modified, deleted, or type changed (renames are reported as a deletion and an addition). */
  status: "A" | "M" | "D" | "T";
  /** Git modes in octal: "100644", "100755", "120000" (symlink), "160000" (submodule), "000000" (none). */
  oldMode: string;
  newMode: string;
  /** Bytes of the new content (0 for deletions and submodules). */
  size: number;
  /** Where a symbolic link points (new mode 120000). */
  linkTarget?: string;
  /** The repository path the link leads to, resolved through the commit's tree ("" is the root). */
  linkResolved?: string;
  /** Why the link cannot be followed inside the repository (it escapes, or loops). */
  linkProblem?: string;
}

/** What a commit is: its parents, Planwright trailers and changed files. */
export interface CommitInspection {
  sha: string;
  parents: string[];
  trailers: Record<string, string>;
  changes: CommitFileChange[];
}

/** A git working copy the engine may change. All paths are repository-relative, POSIX style. */
export interface Workspace {
  /** Absolute path of the working tree's root. */
  readonly root: string;
  /** Sha of HEAD. */
  head(): Promise<string>;
  /** Absolute path of this working tree's git directory (where the engine keeps its run marker). */
  gitDir(): Promise<string>;
  /** Tree sha of a commit (HEAD by default): lets tests and rollback compare trees byte for byte. */
  tree(rev?: string): Promise<string>;
  /** Git blob sha of a file's current content in the working tree (`git hash-object`). */
  blobOf(path: string): Promise<string>;
  /** Commits reachable from HEAD back to (excluding) `since`, oldest first. */
  history(since?: string): Promise<HistoryCommit[]>;
  /** Paths changed in the working tree against HEAD (tracked and untracked, never ignored ones). */
  changedPaths(): Promise<string[]>;
  /** Stages exactly the current changes (not ignored files) and commits them; undefined when nothing changed and not allowEmpty. */
  commit(request: CommitRequest): Promise<string | undefined>;
  /** Throws away every uncommitted change (tracked and untracked, not ignored files). */
  discard(): Promise<void>;
  /** `git revert --no-edit` of one commit with extra trailers; throws ConflictError (after aborting) on conflict. */
  revert(sha: string, title: string, trailers: [string, string][]): Promise<string>;
  /** Moves HEAD (and the branch) back to `sha`, dropping later commits: used only to undo our own unpushed work. */
  resetHard(sha: string): Promise<void>;
  /** A separate working tree at `rev` for a parallel task; dispose() removes it. */
  worktree(rev: string): Promise<Workspace & { dispose(): Promise<void> }>;
  /**
   * Removes a worktree that `worktree()` made and a crashed run left behind (by its root path);
   * a path that is not one of this repository's worktrees is left alone.
   */
  removeWorktree?(path: string): Promise<void>;
  /** Applies a commit made in a worktree on top of HEAD; throws ConflictError (after aborting) on conflict. */
  cherryPick(sha: string): Promise<string>;
  /**
   * Applies several worktree commits in one go, in order; resolves to the new commits. On a
   * conflict nothing stays applied (it throws after restoring HEAD). Optional: without it, commits
   * land one by one.
   */
  cherryPickAll?(shas: readonly string[]): Promise<string[]>;
  /**
   * Pushes `sha` (HEAD when absent) to `remote`'s `branch`; throws ConflictError on a
   * non-fast-forward. Never forces. A push that lands the commits as new ones (through GitHub's
   * API, signed there) resolves to what landed: HEAD is then the landed head, with the same tree.
   */
  push(remote: string, branch: string, sha?: string): Promise<PushResult | void>;
  /** Describes one commit for apply-time verification; pushes are refused when a workspace lacks it. */
  inspectCommit?(sha: string): Promise<CommitInspection>;
}

/** Commits that landed as other commits: `[local sha, landed sha]`, oldest first, and the new head. */
export interface PushResult {
  head: string;
  landed: [string, string][];
}

/** Token and cost accounting for model calls. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  costUsd: number;
}

export const ZERO_USAGE: Usage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cacheWriteTokens: 0,
  cacheReadTokens: 0,
  costUsd: 0,
});

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    costUsd: a.costUsd + b.costUsd,
  };
}

const spentBy = new WeakMap<object, Usage>();

/** Notes what a call spent before it failed, so that a failed attempt's cost is counted too. */
export function noteSpentUsage<E>(error: E, usage: Usage): E {
  if (typeof error === "object" && error !== null) spentBy.set(error, usage);
  return error;
}

/** What a failed call spent before failing, when its adapter noted it. */
export function spentUsageOf(error: unknown): Usage | undefined {
  return typeof error === "object" && error !== null ? spentBy.get(error) : undefined;
}

/** Result of running a command (a task's `run`, or verification). */
export interface CommandResult {
  exitCode: number | null;
  /** Combined stdout and stderr, tail-kept under the output cap. */
  output: string;
  timedOut: boolean;
  durationMs: number;
}

/**
 * The tools an `edit` task's model may use. The engine implements them over the task's working
 * tree and enforces the plan's path and command policy in every call: a refused call throws
 * PolicyError, which the model adapter reports back to the model.
 */
export interface AgentTools {
  readFile(path: string, range?: { startLine?: number; endLine?: number }): Promise<string>;
  listFiles(glob?: string): Promise<string[]>;
  search(pattern: string, glob?: string): Promise<{ path: string; line: number; text: string }[]>;
  writeFile(path: string, content: string): Promise<void>;
  deleteFile(path: string): Promise<void>;
  /** Runs the task's verify command in the task's working tree. */
  runVerify(): Promise<CommandResult>;
}

export interface EditRequest {
  plan: Plan;
  task: Task;
  /** 1-based attempt number. */
  attempt: number;
  /** Output of the previous failed verification, fed back to the model on a retry. */
  previousFailure?: string;
  tools: AgentTools;
  signal: AbortSignal;
}

export interface EditResult {
  summary: string;
  usage: Usage;
}

/** The model behind `edit` tasks (src/llm implements it over Claude; tests use a scripted one). */
export interface Model {
  edit(request: EditRequest): Promise<EditResult>;
}

/** Time, injectable so backoff and budgets are testable without sleeping. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export type TaskStatus = "pending" | "running" | "done" | "failed" | "skipped" | "reverted" | "waiting";

export type RunOutcome = "succeeded" | "failed" | "waiting" | "cancelled";

/** Events the engine reports; the CLI renders them live, the GitHub reporters turn them into check runs. */
export type EngineEvent =
  | { type: "run-started"; planId: string; tasks: number; done: number; at: number }
  | { type: "task-started"; taskId: string; at: number }
  | { type: "attempt"; taskId: string; attempt: number; reason?: string; at: number }
  | { type: "output"; taskId: string; tail: string; at: number }
  | { type: "usage"; taskId: string; usage: Usage; at: number }
  | {
      type: "task-committed";
      taskId: string;
      sha: string | undefined;
      durationMs: number;
      attempts: number;
      at: number;
    }
  | {
      type: "task-failed";
      taskId: string;
      failureClass: FailureClass;
      message: string;
      attempts: number;
      /** The last lines of the failed command's output (see failure-tail.ts), when there was one. */
      output?: string;
      at: number;
    }
  | { type: "paused"; taskId: string; reason: "manual" | "checkpoint"; at: number }
  | {
      type: "run-finished";
      outcome: RunOutcome;
      message: string;
      usage: Usage;
      durationMs: number;
      at: number;
    }
  | { type: "reverted"; taskId: string; sha: string; at: number };

export interface Reporter {
  event(event: EngineEvent): void;
}
