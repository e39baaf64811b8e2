/**
 * The one place that spawns `git`: no shell, no prompts, a stable locale, and an explicit identity
 * so commits never depend on the machine's configured user. Failures become our typed errors with
 * git's own first line of explanation.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { PlanwrightError, TransientError } from "../errors.js";

/** The git program every git of this process runs: "git" through PATH until hardenGit fixes it. */
export const gitProgram: { path: string } = { path: "git" };

/** Who Planwright's commits are authored and committed by. */
export interface GitIdentity {
  name: string;
  email: string;
}

export const DEFAULT_IDENTITY: Readonly<GitIdentity> = Object.freeze({
  name: "Planwright",
  email: "planwright@users.noreply.github.com",
});

export interface GitRunOptions {
  /** Identity for commits, reverts and cherry-picks; DEFAULT_IDENTITY when absent. */
  identity?: GitIdentity;
  /** Text written to git's stdin (commit messages with `-F -`). */
  input?: string;
  /** Exit codes that are not failures (e.g. 1 for `diff --quiet`). */
  okCodes?: number[];
}

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** A git command that failed; `stderr` and `code` stay available for callers that translate further. */
export class GitCommandError extends PlanwrightError {
  readonly args: readonly string[];
  readonly stderr: string;
  readonly stdout: string;
  readonly code: number;
  constructor(args: readonly string[], result: GitResult) {
    super(
      "internal",
      `git ${subcommandOf(args)} failed: ${firstLine(result.stderr) || `exit status ${result.code}`}`,
    );
    this.args = args;
    this.stderr = result.stderr;
    this.stdout = result.stdout;
    this.code = result.code;
  }
}

/** Environment variables that would point git at another repository than the one we name. */
const REPO_OVERRIDES = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX"];

/** The environment git runs with: the user's global config stays, prompts and editors never open. */
export function gitEnv(identity: GitIdentity = DEFAULT_IDENTITY): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of REPO_OVERRIDES) delete env[key];
  return {
    ...env,
    GIT_TERMINAL_PROMPT: "0",
    GIT_EDITOR: "true",
    GIT_SEQUENCE_EDITOR: "true",
    GIT_PAGER: "cat",
    LC_ALL: "C",
    LANGUAGE: "C",
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email,
  };
}

/** Runs `git args…` in `cwd`; resolves on exit 0 (or an ok code), rejects with a typed error otherwise. */
export function runGit(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(gitProgram.path, args, {
      cwd,
      env: gitEnv(options.identity),
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        reject(
          new PlanwrightError(
            "usage",
            // spawn reports a missing cwd as a missing program too
            existsSync(cwd) ? "git is not installed or not on PATH" : `no such directory: ${cwd}`,
            { cause: error },
          ),
        );
      } else {
        reject(new PlanwrightError("internal", `cannot run git: ${error.message}`, { cause: error }));
      }
    });
    // a child that exits before reading its input closes the pipe; that is not our failure
    child.stdin.on("error", () => undefined);
    child.on("close", (code) => {
      const result: GitResult = {
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        code: code ?? -1,
      };
      if (result.code === 0 || options.okCodes?.includes(result.code)) resolve(result);
      else reject(translateGitError(args, result));
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Network trouble talking to a remote: worth retrying. */
const TRANSIENT =
  /could not resolve host|connection (timed out|reset|refused)|operation timed out|early eof|rpc failed|the remote end hung up unexpectedly|HTTP (429|5\d\d)|temporary failure/i;

/** Maps a failed git command to our error hierarchy. */
export function translateGitError(args: readonly string[], result: GitResult): PlanwrightError {
  const sub = subcommandOf(args);
  if ((sub === "push" || sub === "fetch" || sub === "ls-remote") && TRANSIENT.test(result.stderr)) {
    return new TransientError(`git ${sub} failed: ${firstLine(result.stderr)}`);
  }
  return new GitCommandError(args, result);
}

/** The subcommand of an argument list, skipping leading global options such as `-c k=v`. */
function subcommandOf(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "-c" || arg === "-C") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return args[0] ?? "";
}

/**
 * The line of git's stderr that explains the failure: the first `fatal:`/`error:` line (prefix
 * dropped), otherwise the first line that is not a hint or progress noise.
 */
export function firstLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const loud = lines.find((l) => /^(fatal|error):/i.test(l));
  if (loud) return loud.replace(/^(fatal|error):\s*/i, "");
  return lines.find((l) => !/^(hint|warning):/i.test(l) && !l.startsWith("To ")) ?? lines[0] ?? "";
}
