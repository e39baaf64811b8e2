/**
 * Apply-time verification: the step between "a task produced a commit" and "push". Everything that
 * ran before it (plan commands, verification, the model's code) is untrusted, so this re-checks the
 * commit itself, from git's objects, against the plan and policy: its parent, its trailers, the
 * paths it really changes, symlinks, submodules, executable bits and sizes. A violation is a
 * PolicyError and nothing is pushed.
 */
import { posix } from "node:path";
import picomatch from "picomatch";
import { PolicyError } from "../errors.js";
import { checkPath, DEFAULT_DENY, type MergedPolicy } from "../plan/policy.js";
import { holdsProtected, PROTECTED_PATHS } from "../plan/protected-paths.js";
import {
  checkTaskPath,
  outsideEditScope,
  protectionFor,
  type ProtectedConfig,
  type Protection,
} from "../plan/task-scope.js";
import { taskKind, type Plan, type Task } from "../plan/schema.js";
import {
  TRAILER_PLAN,
  TRAILER_PLAN_BLOB,
  TRAILER_REVERT,
  TRAILER_TASK,
  type CommitFileChange,
  type CommitInspection,
  type Workspace,
} from "./ports.js";
import { verifyCommandOf } from "./task-runner.js";
import { withPush } from "./with-push.js";
import { DEFAULT_APPLY_CAPS, type ApplyCaps } from "./apply-caps.js";

export { DEFAULT_APPLY_CAPS, type ApplyCaps };

const MIB = 1024 * 1024;

/** Where a task may add or set the executable bit, unless told otherwise. */
export const DEFAULT_EXECUTABLE_PATHS: readonly string[] = ["bin/**", "scripts/**", "**/*.sh"];

/** Most problems named in one refusal; the rest are counted. */
const MAX_REASONS = 5;

export interface TaskCommitCheck {
  /** The commit to check; HEAD when absent. */
  commit?: string;
  /** The branch head the commit must sit on (its only parent). */
  expectedParent: string;
  task: Task;
  plan: Plan;
  /** The plan file's blob sha the `Planwright-Plan-Blob` trailer must carry; unchecked when absent. */
  planBlob?: string;
  /** The merged configuration and plan policy (the plan's own policy when absent). */
  policy?: MergedPolicy;
  extraDeny?: readonly string[];
  /** The configuration's `policy.protected`: which protected paths a plan may touch. */
  protectedConfig?: ProtectedConfig;
  /** The executing plan file (`.planwright/plans/<id>.yaml` by default): never changed by a task. */
  planFile?: string;
  caps?: Partial<ApplyCaps>;
  /** Globs where files may be executable ({@link DEFAULT_EXECUTABLE_PATHS} when absent). */
  executablePaths?: readonly string[];
}

/**
 * Verifies one task commit before it is pushed. Resolves when the commit may be pushed; throws a
 * PolicyError naming the commit, the task and every problem found (up to five) otherwise.
 */
export async function verifyTaskCommit(workspace: Workspace, check: TaskCommitCheck): Promise<void> {
  if (!workspace.inspectCommit) {
    throw new PolicyError("refused to push: this workspace cannot inspect commits for apply-time checks");
  }
  const rev = check.commit ?? (await workspace.head());
  const commit = await workspace.inspectCommit(rev);
  const problems = commitProblems(commit, check);
  if (problems.length > 0) throw refusal(commit.sha, check.task.id, problems);
}

function refusal(sha: string, taskId: string, problems: string[]): PolicyError {
  const shown = problems.slice(0, MAX_REASONS).join("; ");
  const more = problems.length > MAX_REASONS ? `; and ${problems.length - MAX_REASONS} more` : "";
  return new PolicyError(
    `refused to push commit ${sha.slice(0, 7)} of task ${taskId}: ${shown}${more}; nothing was pushed`,
  );
}

/** Most commits {@link verifyCommitRange} walks back from the head before giving up. */
export const MAX_RANGE_COMMITS = 1000;

/**
 * Verifies every commit from `base` (exclusive) to `head`, oldest first: following the real first
 * parents from `head` must reach `base`, and each commit must be a task commit of the plan that
 * passes {@link commitProblems} on top of the one before. Resolves to the commits, oldest first;
 * throws PolicyError at the first refusal.
 */
export async function verifyCommitRange(
  workspace: Workspace,
  options: PushGuardOptions & { head: string },
): Promise<string[]> {
  if (!workspace.inspectCommit) {
    throw new PolicyError("refused to push: this workspace cannot inspect commits for apply-time checks");
  }
  const { head } = options;
  // the walk compares full shas; a ref or short sha given as the base is resolved first
  const base = /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(options.base)
    ? options.base
    : (await workspace.inspectCommit(options.base)).sha;
  const chain: CommitInspection[] = [];
  for (let at = head; at !== base;) {
    const commit = await workspace.inspectCommit(at);
    const parent = commit.parents[0];
    if (commit.sha === base) break;
    if (!parent || chain.length >= MAX_RANGE_COMMITS) {
      throw new PolicyError(
        `refused to push ${head.slice(0, 7)}: it does not build on the expected branch head ${base.slice(0, 7)}${parent ? ` within ${MAX_RANGE_COMMITS} commits` : ""}; nothing was pushed`,
      );
    }
    chain.push(commit);
    at = parent;
  }
  chain.reverse();
  const tasks = new Map(options.plan.phases.flatMap((p) => p.tasks.map((t) => [t.id, t] as const)));
  const done = options.done ? new Set(options.done) : undefined;
  let parent = base;
  for (const commit of chain) {
    const taskId = commit.trailers[TRAILER_TASK];
    const task = taskId === undefined ? undefined : tasks.get(taskId);
    if (!task) {
      throw new PolicyError(
        `refused to push commit ${commit.sha.slice(0, 7)}: it is not a commit of a task of plan ${options.plan.id}; nothing was pushed`,
      );
    }
    const problems = commitProblems(commit, { ...options, expectedParent: parent, task });
    if (done) problems.push(...scheduleProblems(task, done));
    if (problems.length > 0) throw refusal(commit.sha, task.id, problems);
    done?.add(task.id);
    parent = commit.sha;
  }
  return chain.map((c) => c.sha);
}

/**
 * A task's commit may come only once and only after the tasks it needs: a commit that names a
 * task out of turn (a command that committed with a later task's trailers) is refused.
 */
function scheduleProblems(task: Task, done: ReadonlySet<string>): string[] {
  if (done.has(task.id))
    return [`task ${task.id} is done already: a second commit for it is not one of the plan's`];
  const missing = (task.needs ?? []).filter((n) => !done.has(n));
  return missing.length === 0 ? [] : [`it comes before ${missing.join(", ")}, which task ${task.id} needs`];
}

/** Every reason to refuse `commit`, in a stable order; empty when it may be pushed. */
export function commitProblems(commit: CommitInspection, check: TaskCommitCheck): string[] {
  const problems: string[] = [];
  const [parent, ...extra] = commit.parents;
  if (extra.length > 0) problems.push("merge commits are never pushed");
  if (parent !== check.expectedParent) {
    problems.push(
      `its parent is ${parent ? parent.slice(0, 7) : "none"}, not the expected branch head ${check.expectedParent.slice(0, 7)}`,
    );
  }
  problems.push(...trailerProblems(commit.trailers, check));
  const caps = { ...DEFAULT_APPLY_CAPS, ...check.caps };
  if (commit.changes.length > caps.maxFiles) {
    problems.push(`it changes ${commit.changes.length} files, more than the cap of ${caps.maxFiles}`);
  }
  const bytes = commit.changes.reduce((sum, c) => sum + c.size, 0);
  if (bytes > caps.maxCommitBytes) {
    problems.push(`it adds ${formatBytes(bytes)}, more than the cap of ${formatBytes(caps.maxCommitBytes)}`);
  }
  problems.push(...scopeProblems(commit.changes, check));
  const outside = outsideEditScope(
    check.task,
    commit.changes.map((c) => c.path),
  );
  if (outside.length > 0) {
    problems.push(`${outside.join(", ")}: outside what task ${check.task.id} declares (edit.files)`);
  }
  const executable = picomatch([...(check.executablePaths ?? DEFAULT_EXECUTABLE_PATHS)], { dot: true });
  const protection = protectionFor(check.plan, check.task, check.protectedConfig, check.planFile);
  for (const change of commit.changes) {
    problems.push(...changeProblems(change, check, caps, executable, protection));
  }
  return problems;
}

function trailerProblems(trailers: Record<string, string>, check: TaskCommitCheck): string[] {
  const problems: string[] = [];
  const expect = (key: string, value: string) => {
    const seen = trailers[key];
    if (seen !== value) {
      problems.push(
        seen === undefined
          ? `trailer ${key} is missing (expected ${value})`
          : `trailer ${key} is ${JSON.stringify(seen)}, expected ${JSON.stringify(value)}`,
      );
    }
  };
  expect(TRAILER_PLAN, check.plan.id);
  expect(TRAILER_TASK, check.task.id);
  if (check.planBlob !== undefined) expect(TRAILER_PLAN_BLOB, check.planBlob);
  if (trailers[TRAILER_REVERT] !== undefined) problems.push(`a task commit may not carry ${TRAILER_REVERT}`);
  return problems;
}

/** A literal write or delete without verification may change its own path and nothing else. */
function scopeProblems(changes: readonly CommitFileChange[], check: TaskCommitCheck): string[] {
  const { task, plan } = check;
  const kind = taskKind(task);
  if (verifyCommandOf(plan, task) !== undefined) return [];
  if (kind !== "write" && kind !== "delete") return [];
  const declared = kind === "write" ? task.write?.path : task.delete?.path;
  const target = declared === undefined ? undefined : checkPath(declared).path;
  return changes
    .filter((c) => c.path !== target || (kind === "delete") !== (c.status === "D"))
    .map((c) =>
      c.path === target
        ? `${c.path}: a ${kind} task may not ${c.status === "D" ? "delete" : "change"} it`
        : `${c.path}: outside what task ${task.id} declares (${kind} ${declared ?? "?"})`,
    );
}

function changeProblems(
  change: CommitFileChange,
  check: TaskCommitCheck,
  caps: ApplyCaps,
  executable: (path: string) => boolean,
  protection: Protection,
): string[] {
  const problems: string[] = [];
  const { path } = change;
  const policy = check.policy ?? check.plan.policy;
  const verdict = checkTaskPath(path, policy?.paths, check.extraDeny ?? [], protection);
  if (!verdict.ok) problems.push(`${path}: ${verdict.reason ?? "refused by the path policy"}`);
  if (posix.basename(path) === ".gitmodules")
    problems.push(`${path}: submodule configuration may not change`);
  if (change.newMode === "160000" || change.oldMode === "160000") {
    problems.push(`${path}: submodules may not be added, changed or removed`);
  }
  if (change.newMode === "120000") {
    const link = linkProblem(path, change.linkTarget ?? "", check, change, protection);
    if (link) problems.push(`${path}: ${link}`);
  }
  if (change.newMode === "100755" && change.oldMode !== "100755" && !executable(path)) {
    problems.push(`${path}: may not become executable outside ${executableList(check)}`);
  }
  if (change.size > caps.maxFileBytes) {
    problems.push(
      `${path}: ${formatBytes(change.size)} is larger than the per-file cap of ${formatBytes(caps.maxFileBytes)}`,
    );
  }
  return problems;
}

/**
 * Why a symbolic link at `path` pointing at `target` is refused, if it is. `resolved` is what the
 * commit inspection found by walking the commit's tree (links included); without it the target is
 * judged as text, which cannot see chains of links.
 */
export function linkProblem(
  path: string,
  target: string,
  check: Pick<TaskCommitCheck, "policy" | "plan" | "extraDeny">,
  resolved: Pick<CommitFileChange, "linkResolved" | "linkProblem"> = {},
  protection?: Protection,
): string | undefined {
  const shown = JSON.stringify(target.slice(0, 200));
  if (target === "" || target.length > 4096 || /[\u0000-\u001f\u007f]/.test(target)) {
    return `symbolic link with an unusable target ${shown}`;
  }
  if (resolved.linkProblem !== undefined) return `symbolic link to ${shown} ${resolved.linkProblem}`;
  if (target.startsWith("/") || /^[A-Za-z]:/.test(target) || target.startsWith("\\")) {
    return `symbolic link to ${shown} points outside the repository`;
  }
  const landing =
    resolved.linkResolved ?? posix.normalize(posix.join(posix.dirname(path), target.replace(/\\/g, "/")));
  if (landing === ".." || landing.startsWith("../")) {
    return `symbolic link to ${shown} points outside the repository`;
  }
  const via =
    resolved.linkResolved !== undefined && resolved.linkResolved !== path
      ? ` (it resolves to "${landing}")`
      : "";
  if (landing === "" || landing === ".")
    return `symbolic link to ${shown} points at the repository root${via}`;
  // the link may point at files nobody may write, e.g. .git/config or a .env file: refuse those too
  const policy = check.policy ?? check.plan.policy;
  const deny = policy?.paths?.deny ?? [];
  const verdict = checkTaskPath(landing, { deny }, check.extraDeny ?? [], protection);
  if (!verdict.ok)
    return `symbolic link to ${shown}${via} points at a protected path (${verdict.reason ?? "denied"})`;
  // a link to a folder that holds protected files would let a later write reach them
  const globs = [...DEFAULT_DENY, ...deny, ...(check.extraDeny ?? []), ...PROTECTED_PATHS.map((p) => p.glob)];
  if (holdsProtected(landing, globs)) {
    return `symbolic link to ${shown}${via} points at a folder that holds protected paths`;
  }
  return undefined;
}

function executableList(check: TaskCommitCheck): string {
  return (check.executablePaths ?? DEFAULT_EXECUTABLE_PATHS).join(", ") || "no paths";
}

function formatBytes(bytes: number): string {
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** What {@link withApplyCheck} checks every pushed commit against. */
export interface PushGuardOptions extends Omit<TaskCommitCheck, "commit" | "expectedParent" | "task"> {
  /** The branch head the run builds on: the first new commit must sit on it. */
  base: string;
  /**
   * Tasks done at `base`: when given, each commit must be for a task not done yet whose `needs`
   * are done (at the base or by an earlier commit of the range).
   */
  done?: Iterable<string>;
}

/**
 * A Workspace whose push first runs {@link verifyTaskCommit} on every commit between the last
 * verified head and HEAD, each on top of the one before, and each a commit of a task of the plan.
 * The first refusal throws PolicyError and nothing is pushed; every other method is the
 * workspace's own.
 */
export function withApplyCheck(workspace: Workspace, options: PushGuardOptions): Workspace {
  let verified = options.base;
  const done = options.done ? new Set(options.done) : undefined;
  return withPush(workspace, async (remote, branch, sha) => {
    const chain = await verifyCommitRange(workspace, {
      ...options,
      base: verified,
      head: sha ?? "HEAD",
      ...(done ? { done } : {}),
    });
    const head = chain.at(-1) ?? verified;
    // the commit checked is the commit pushed, whatever HEAD says by now
    const pushed = await workspace.push(remote, branch, head);
    verified = pushed ? pushed.head : head;
    // done once pushed: a push that failed is checked again as it was when retried
    for (const c of chain) {
      const task = (await workspace.inspectCommit?.(c))?.trailers[TRAILER_TASK];
      if (task !== undefined) done?.add(task);
    }
    return pushed;
  });
}
