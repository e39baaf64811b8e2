/**
 * The engine's Workspace port over the git CLI. Every operation either completes or leaves the
 * working copy as it was: conflicts abort the revert or cherry-pick before we report them, and
 * nothing is ever force-pushed.
 */
import { mkdtemp, readdir, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { CommitInspection, CommitRequest, HistoryCommit, Workspace } from "../engine/ports.js";
import { ConflictError, PlanwrightError, UsageError } from "../errors.js";
import { DEFAULT_IDENTITY, GitCommandError, runGit, type GitIdentity, type GitResult } from "./run-git.js";
import { parseStatusPaths, pushRejectionReason } from "./porcelain.js";
import { commitForLanding, inspectCommit, type CommitForLanding } from "./commit-inspection.js";
import { ObjectReader } from "./object-reader.js";
import { LOG_FORMAT, formatCommitMessage, parseLog } from "./trailers.js";

export interface WorkspaceOptions {
  /** Author and committer of Planwright's commits; "Planwright <planwright@users.noreply.github.com>" by default. */
  identity?: GitIdentity;
}

/**
 * Task commands may have written hooks or an fsmonitor command into `.git/`; git must not run them
 * on our behalf. Not added to commands that talk to a remote, where `-c` would reach the other side
 * of a local transport (its own hooks are the remote's business).
 */
const LOCAL_HARDENING = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false"];
const REMOTE_COMMANDS = new Set(["push", "fetch", "ls-remote"]);

/** git's `[branch <full id>] title` line after each commit it makes (with `core.abbrev=no`). */
const SUMMARY_LINE = /^\[[^\n]*? ([0-9a-f]{40}|[0-9a-f]{64})\] /gm;

/** A worktree made by GitWorkspace.worktree(); dispose() removes it. */
export type DisposableWorkspace = GitWorkspace & { dispose(): Promise<void> };

/** Workspace over a git working tree (the main one or a linked worktree). */
export class GitWorkspace implements Workspace {
  readonly root: string;
  readonly identity: GitIdentity;
  /** Operations on one working tree are serialised: git's index lock admits one writer. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Object reads through long-running `cat-file` processes: no process per read. */
  private readonly objects: ObjectReader;
  private tidied: Promise<void> | undefined;
  private gitDirPath: Promise<string> | undefined;
  /**
   * Worktree adds and removals queue behind each other (git reads every worktree's admin folder
   * while adding one, and a half-made folder makes it fail) but not behind this tree's own work.
   */
  private worktreeQueue: Promise<unknown> = Promise.resolve();

  constructor(root: string, options: WorkspaceOptions = {}) {
    this.root = root;
    this.identity = options.identity ?? DEFAULT_IDENTITY;
    this.objects = new ObjectReader(root);
  }

  /** Runs git in this working tree (after any operation already under way). */
  git(args: readonly string[], options: { input?: string; okCodes?: number[] } = {}): Promise<GitResult> {
    return this.exclusive(() => this.raw(args, options));
  }

  private raw(
    args: readonly string[],
    options: { input?: string; okCodes?: number[] } = {},
  ): Promise<GitResult> {
    const remote = REMOTE_COMMANDS.has(args[0] ?? "");
    return runGit(this.root, remote ? args : [...LOCAL_HARDENING, ...args], {
      ...options,
      identity: this.identity,
    });
  }

  private async out(args: readonly string[]): Promise<string> {
    return (await this.raw(args)).stdout.trim();
  }

  private worktreeAdmin<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.worktreeQueue.then(operation, operation);
    this.worktreeQueue = next.catch(() => undefined);
    return next;
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.queue.then(operation, operation);
    this.queue = next.catch(() => undefined);
    return next;
  }

  head(): Promise<string> {
    return this.exclusive(() => this.commitId("HEAD"));
  }

  gitDir(): Promise<string> {
    return this.exclusive(() => this.out(["rev-parse", "--absolute-git-dir"]));
  }

  /** The repository's own git directory, shared by all its worktrees (`--git-common-dir`). */
  commonGitDir(): Promise<string> {
    return this.exclusive(async () =>
      resolve(this.root, await this.out(["rev-parse", "--path-format=absolute", "--git-common-dir"])),
    );
  }

  tree(rev = "HEAD"): Promise<string> {
    return this.exclusive(() => this.out(["rev-parse", "--verify", `${rev}^{tree}`]));
  }

  blobOf(path: string): Promise<string> {
    return this.exclusive(async () => {
      try {
        return await this.out(["hash-object", "--", path]);
      } catch (error) {
        throw new PlanwrightError("usage", `cannot read ${path}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    });
  }

  history(since?: string): Promise<HistoryCommit[]> {
    return this.exclusive(async () => {
      const unborn = await this.raw(["rev-parse", "--verify", "--quiet", "HEAD"], { okCodes: [1] });
      if (unborn.code !== 0) return [];
      const range = since ? `${since}..HEAD` : "HEAD";
      const { stdout } = await this.raw(["log", "-z", "--reverse", "--topo-order", LOG_FORMAT, range, "--"]);
      return parseLog(stdout);
    });
  }

  changedPaths(): Promise<string[]> {
    return this.exclusive(() => this.changedPathsNow());
  }

  private async changedPathsNow(): Promise<string[]> {
    const { stdout } = await this.raw([
      "--no-optional-locks",
      "status",
      "--porcelain=v1",
      "-z",
      "--untracked-files=all",
      "--ignore-submodules=none",
    ]);
    return parseStatusPaths(stdout);
  }

  commit(request: CommitRequest): Promise<string | undefined> {
    return this.exclusive(async () => {
      // -A stages additions, changes and deletions; .gitignore'd files are never staged
      await this.raw(["add", "-A", "--", "."]);
      const message = formatCommitMessage(request.title, request.body, request.trailers);
      const result = await this.commitStaged(message, request.allowEmpty ?? false);
      // git commit ends with status 1 when nothing is staged; anything else has thrown already
      if (result.code === 1) return undefined;
      return this.shaOf(result);
    });
  }

  /**
   * Commits the index with `message`; hooks are skipped because the engine verifies on its own.
   * Resolves with status 1 (instead of throwing) when nothing is staged and `allowEmpty` is off.
   */
  private async commitStaged(message: string, allowEmpty: boolean): Promise<GitResult> {
    // the full id in git's summary line spares a process per commit (a worktree's first read
    // would start its own cat-file just for it)
    const args = ["-c", "core.abbrev=no", "commit", "--no-verify", "--cleanup=whitespace", "-F", "-"];
    if (allowEmpty) args.push("--allow-empty");
    const result = await this.raw(args, { input: message, okCodes: allowEmpty ? [] : [1] });
    if (result.code === 1) {
      // make sure status 1 meant "nothing to commit" and not a failure of another kind
      const staged = await this.raw(["diff", "--cached", "--quiet", "--no-ext-diff"], { okCodes: [1] });
      if (staged.code !== 0) throw new GitCommandError(args, result);
    }
    return result;
  }

  /** The commit id git printed in its `[branch <id>] title` summary, or HEAD's when it printed none. */
  private async shaOf(result: GitResult): Promise<string> {
    const printed = new RegExp(SUMMARY_LINE.source, "m").exec(result.stdout)?.[1];
    return printed ?? this.commitId("HEAD");
  }

  /**
   * Throws away every uncommitted change. Ignored files are the user's and stay. A leftover
   * `index.lock` is removed only when the caller knows a crashed process of ours left it.
   */
  discard(options: { staleLockIsOurs?: boolean } = {}): Promise<void> {
    return this.exclusive(async () => {
      if (options.staleLockIsOurs) {
        const gitDir = await this.out(["rev-parse", "--absolute-git-dir"]);
        await unlink(join(gitDir, "index.lock")).catch(() => undefined);
      }
      await this.abortSequencer();
      await this.raw(["reset", "--quiet", "--hard", "HEAD"]);
      await this.raw(["clean", "-f", "-d", "--quiet", "--", "."]);
    });
  }

  /**
   * Forgets a revert or cherry-pick left half-way, if any, without moving HEAD: `--abort` would
   * return to where a sequence of several commits began and drop the commits that landed since,
   * which history already counts as done. The caller resets the tree.
   */
  private async abortSequencer(): Promise<void> {
    for (const sub of ["cherry-pick", "revert"]) {
      await this.raw([sub, "--quit"]).catch(() => undefined);
    }
  }

  /** A sequence left by a killed run must not be resumed or aborted by our next cherry-pick. */
  private async quitStaleSequence(): Promise<void> {
    this.gitDirPath ??= this.out(["rev-parse", "--absolute-git-dir"]);
    const stale = await stat(join(await this.gitDirPath, "sequencer")).then(
      () => true,
      () => false,
    );
    if (stale) await this.abortSequencer();
  }

  revert(sha: string, title: string, trailers: [string, string][]): Promise<string> {
    return this.exclusive(async () => {
      const target = await this.commitId(sha);
      try {
        await this.raw(["revert", "--no-commit", "--no-rerere-autoupdate", target]);
      } catch (error) {
        const files = await this.conflictedFiles();
        await this.raw(["revert", "--abort"]).catch(() => this.raw(["reset", "--quiet", "--merge"]));
        throw conflictOr(error, `reverting ${short(target)} conflicts with later changes`, files);
      }
      const body = `This reverts commit ${target}.`;
      await this.commitStaged(formatCommitMessage(title, body, trailers), true);
      // the sequencer state of --no-commit is done with once the commit exists
      await this.raw(["revert", "--quit"]).catch(() => undefined);
      return this.commitId("HEAD");
    });
  }

  resetHard(sha: string): Promise<void> {
    return this.exclusive(async () => {
      const target = await this.commitId(sha);
      await this.abortSequencer();
      await this.raw(["reset", "--quiet", "--hard", target]);
    });
  }

  /**
   * A linked worktree at `rev`, detached. Adding and removing one never touches this tree's index,
   * so it runs beside this tree's operations instead of queueing behind them: parallel tasks do
   * not wait for each other's landings to start. Git names each worktree's admin folder with an
   * atomic mkdir, so concurrent adds do not collide.
   */
  async worktree(rev: string): Promise<DisposableWorkspace> {
    await this.tidyWorktrees();
    const target = await this.commitId(rev);
    const parent = await mkdtemp(join(tmpdir(), "planwright-wt-"));
    const path = join(parent, "tree");
    try {
      // only the admin folder is made in the queue; the checkout, the slow part, runs beside others
      await this.worktreeAdmin(() =>
        this.raw(["worktree", "add", "--quiet", "--no-checkout", "--detach", path, target]),
      );
    } catch (error) {
      await rm(parent, { recursive: true, force: true });
      throw error;
    }
    const child = new GitWorkspace(path, { identity: this.identity }) as DisposableWorkspace;
    let disposed = false;
    child.dispose = async () => {
      if (disposed) return;
      disposed = true;
      child.objects.close();
      // `worktree remove` deletes its admin folder too; prune only tidies up after a failed removal
      const removed = await this.worktreeAdmin(() =>
        this.raw(["worktree", "remove", "--force", "--force", path]),
      ).then(
        () => true,
        () => false,
      );
      await rm(parent, { recursive: true, force: true });
      if (!removed) await this.worktreeAdmin(() => this.raw(["worktree", "prune"])).catch(() => undefined);
    };
    try {
      await child.raw(["reset", "--quiet", "--hard", target]);
    } catch (error) {
      await child.dispose();
      throw error;
    }
    return child;
  }

  async removeWorktree(path: string): Promise<void> {
    const listed = await this.out(["worktree", "list", "--porcelain"]);
    const known = listed
      .split("\n")
      .filter((l) => l.startsWith("worktree "))
      .map((l) => l.slice("worktree ".length));
    if (!known.includes(path) || path === this.root) return;
    await this.worktreeAdmin(() => this.raw(["worktree", "remove", "--force", "--force", path])).catch(
      () => undefined,
    );
    // worktree() makes each tree inside its own planwright-wt-* folder
    const parent = dirname(path);
    if (basename(parent).startsWith("planwright-wt-")) await rm(parent, { recursive: true, force: true });
    await this.worktreeAdmin(() => this.raw(["worktree", "prune"])).catch(() => undefined);
  }

  async cherryPick(sha: string): Promise<string> {
    const [landed] = await this.cherryPickAll([sha]);
    return landed ?? (await this.head());
  }

  /**
   * Applies several worktree commits on top of HEAD in one cherry-pick, in order, and resolves to
   * the new commits. On a conflict nothing stays applied: the branch is back where it was.
   */
  cherryPickAll(shas: readonly string[]): Promise<string[]> {
    return this.exclusive(async () => {
      await this.quitStaleSequence();
      const targets: string[] = [];
      for (const sha of shas) targets.push(await this.commitId(sha));
      const before = await this.commitId("HEAD");
      let result: GitResult;
      try {
        result = await this.raw([
          "-c",
          "core.abbrev=no",
          "cherry-pick",
          "--allow-empty",
          "--keep-redundant-commits",
          "--no-rerere-autoupdate",
          ...targets,
        ]);
      } catch (error) {
        const files = await this.conflictedFiles();
        // --abort returns to the state before the whole sequence, commits already applied included
        await this.raw(["cherry-pick", "--abort"]).catch(() =>
          this.raw(["reset", "--quiet", "--hard", before]),
        );
        const what = targets.length === 1 ? short(targets[0] ?? "") : `${targets.length} commits`;
        throw conflictOr(error, `applying ${what} conflicts with the branch`, files);
      }
      const printed = [...result.stdout.matchAll(SUMMARY_LINE)].map((m) => m[1] ?? "");
      if (printed.length === targets.length) return printed;
      const listed = await this.out(["rev-list", "--first-parent", `-n${targets.length}`, "HEAD"]);
      return listed.split("\n").reverse();
    });
  }

  push(remote: string, branch: string, sha?: string): Promise<void> {
    return this.exclusive(async () => {
      try {
        await this.raw(["push", "--porcelain", "--", remote, `${sha ?? "HEAD"}:refs/heads/${branch}`]);
      } catch (error) {
        const rejected =
          error instanceof GitCommandError &&
          /non-fast-forward|fetch first|\[rejected\]/.test(error.stdout + error.stderr);
        if (!rejected) throw pushFailure(error, remote, branch);
        throw new ConflictError(
          `push to ${remote}/${branch} was rejected (not a fast-forward): ${await this.whoMoved(remote, branch)}`,
          { cause: error },
        );
      }
    });
  }

  /** A commit's tree, parents, message and changed files, for landing it through the API. */
  commitForLanding(sha: string): Promise<CommitForLanding> {
    return this.exclusive(() => commitForLanding(this.objects, sha));
  }

  /** A blob's bytes (hashed against its id on the way in). */
  blob(sha: string): Promise<Buffer> {
    return this.exclusive(async () => {
      const object = await this.objects.read(sha);
      if (!object || object.type !== "blob") throw new PlanwrightError("internal", `no blob ${sha}`);
      return object.content;
    });
  }

  /**
   * Writes a raw commit object (as GitHub created it) into the repository and resolves to its id,
   * which the caller compares with the id GitHub gave it.
   */
  writeCommitObject(raw: string): Promise<string> {
    return this.exclusive(async () =>
      (await this.raw(["hash-object", "-t", "commit", "-w", "--stdin"], { input: raw })).stdout.trim(),
    );
  }

  /**
   * Moves the current branch from `from` to `to`, a commit with the same tree (a landed copy of
   * the local commits): the index and the files stay as they are.
   */
  adoptCommit(to: string, from: string): Promise<void> {
    return this.exclusive(async () => {
      const [a, b] = await Promise.all([
        this.out(["rev-parse", `${to}^{tree}`]),
        this.out(["rev-parse", `${from}^{tree}`]),
      ]);
      if (a !== b)
        throw new PlanwrightError(
          "internal",
          `cannot adopt ${to.slice(0, 7)}: its tree differs from ${from.slice(0, 7)}'s`,
        );
      await this.raw(["update-ref", "-m", "planwright: adopt the landed commit", "HEAD", to, from]);
    });
  }

  inspectCommit(sha: string): Promise<CommitInspection> {
    return this.exclusive(() => inspectCommit(this.objects, sha));
  }

  /**
   * Once per workspace, before its first worktree: a run killed half-way through `worktree add`
   * leaves an admin folder with a missing or empty `commondir` or `gitdir`, which makes every later
   * add fail; such folders are removed, and worktrees whose folders are gone are pruned.
   */
  private tidyWorktrees(): Promise<void> {
    this.tidied ??= (async () => {
      const common = await this.out(["rev-parse", "--path-format=absolute", "--git-common-dir"]);
      const admins = join(common, "worktrees");
      for (const name of await readdir(admins).catch(() => [] as string[])) {
        const admin = join(admins, name);
        const filled = (file: string) =>
          stat(join(admin, file)).then(
            (info) => info.size > 0,
            () => false,
          );
        if (!(await filled("commondir")) || !(await filled("gitdir"))) {
          await rm(admin, { recursive: true, force: true });
        }
      }
      await this.raw(["worktree", "prune"]).catch(() => undefined);
    })();
    return this.tidied;
  }

  /** Describes the remote branch's head commit: who moved the branch under us. */
  private async whoMoved(remote: string, branch: string): Promise<string> {
    try {
      await this.raw(["fetch", "--quiet", "--no-tags", "--", remote, `refs/heads/${branch}`]);
      const line = await this.out(["log", "-1", "--format=%h%x00%an <%ae>%x00%s", "FETCH_HEAD"]);
      const [sha, who, subject] = line.split("\0");
      return `the branch now ends at ${sha} "${subject}" by ${who}; fetch it and re-run`;
    } catch {
      return "the remote branch has commits this one does not have; fetch it and re-run";
    }
  }

  /** The full id of commit `rev`, read without starting a process. */
  private async commitId(rev: string): Promise<string> {
    const info = await this.objects.info(`${rev}^{commit}`).catch(() => undefined);
    if (info?.type !== "commit") throw new PlanwrightError("usage", `no such commit: ${rev}`);
    return info.sha;
  }

  private async conflictedFiles(): Promise<string[]> {
    const r = await this.raw(["diff", "--name-only", "-z", "--diff-filter=U"]).catch(() => undefined);
    return (r?.stdout ?? "").split("\0").filter((p) => p !== "");
  }
}

/** A failed push, with the remote's reason from `--porcelain` output when it gave one. */
function pushFailure(error: unknown, remote: string, branch: string): unknown {
  if (!(error instanceof GitCommandError)) return error;
  const reason = pushRejectionReason(error.stdout);
  if (!reason) return error;
  return new PlanwrightError("internal", `git push to ${remote}/${branch} failed: ${reason}`, {
    cause: error,
  });
}

function short(sha: string): string {
  return sha.slice(0, 7);
}

/** A ConflictError naming the files when git stopped on conflicts; the original error otherwise. */
function conflictOr(error: unknown, what: string, files: string[]): unknown {
  if (files.length === 0) return error;
  return new ConflictError(`${what}: conflicting files ${files.join(", ")}`, { cause: error });
}

/**
 * Opens the git working tree containing `dir` (any folder inside it). Fails with a one-line
 * UsageError when `dir` does not exist or is not inside a git working tree.
 */
export async function openWorkspace(dir: string, options: WorkspaceOptions = {}): Promise<GitWorkspace> {
  const abs = resolve(dir);
  const info = await stat(abs).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`no such directory: ${dir}`);
  let top: string;
  try {
    top = (await runGit(abs, ["rev-parse", "--show-toplevel"], options)).stdout.trim();
  } catch (error) {
    if (error instanceof GitCommandError) {
      throw new UsageError(
        `${dir} is not inside a git working tree (${error.message.replace(/^git \S+ failed: /, "")})`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  if (top === "") throw new UsageError(`${dir} is not inside a git working tree`);
  return new GitWorkspace(top, options);
}
