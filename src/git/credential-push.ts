/**
 * The one push that holds the write token. The token goes to exactly one `git push`, through a
 * socket on that git's file descriptor 3, which git's askpass helper (a two-line script) reads:
 * never argv, never an environment variable, never git config, never a file. The push runs in a
 * fresh bare repository that borrows the working repository's objects, with hooks off and the
 * user's global config and credential helpers ignored, so nothing an untrusted command wrote into
 * `.git/config`, `.git/hooks` or `~/.gitconfig` (a hook, a credential helper, a URL rewrite) runs
 * while the token is in reach.
 */
import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConflictError, PlanwrightError, UsageError } from "../errors.js";
import { pushRejectionReason } from "./porcelain.js";
import { firstLine, runGit, translateGitError, type GitResult, gitProgram } from "./run-git.js";

/** The user name GitHub expects with an installation or Actions token. */
export const TOKEN_USER = "x-access-token";

export interface PushWithTokenOptions {
  /** The commit to push; HEAD of `root` by default. */
  sha?: string;
  /**
   * Where the remote branch must be for the push to happen, checked by the server atomically with
   * the push (`--force-with-lease`); `sha` must descend from it. When absent, a plain push that the
   * server refuses unless it fast-forwards.
   */
  expectedRemoteHead?: string;
}

const ASKPASS = `#!/bin/sh
case "$1" in
  [Uu]sername*) echo ${TOKEN_USER} ;;
  *) exec cat <&3 ;;
esac
`;

/** Variables the push may need to reach the server: proxies and certificate bundles. */
const NETWORK_VARS =
  /^(https?_proxy|all_proxy|no_proxy|ssl_cert_(file|dir)|git_ssl_(cainfo|capath)|curl_ca_bundle)$/i;

/**
 * Pushes `sha` (HEAD by default) of the repository at `root` to `branch` of `remoteUrl`, with
 * `token` as the HTTP password. Never forces. A non-fast-forward or a moved remote head is a
 * ConflictError; errors never contain the token.
 */
export async function pushWithToken(
  root: string,
  remoteUrl: string,
  branch: string,
  token: string,
  options: PushWithTokenOptions = {},
): Promise<void> {
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes("..") || branch.startsWith("-")) {
    throw new UsageError(`refusing to push to an unusual branch name ${JSON.stringify(branch)}`);
  }
  if (token === "" || /[\r\n\0]/.test(token))
    throw new UsageError("the push token is empty or has line breaks");
  return pushFromScratch(root, withUser(remoteUrl), branch, token, options);
}

/**
 * `planwright run --push` on a person's machine: the same push from a fresh bare repository that
 * borrows the objects (so nothing of the repository's own configuration runs: no hooks, no
 * `pushurl`/`receivepack`/`insteadOf`, no filters, no credential helper a task wrote into
 * `.git/config`), to a URL resolved before the run, with the person's global configuration kept
 * for their credential helper.
 */
export async function pushIsolated(
  root: string,
  url: string,
  branch: string,
  options: PushWithTokenOptions = {},
): Promise<void> {
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes("..") || branch.startsWith("-")) {
    throw new UsageError(`refusing to push to an unusual branch name ${JSON.stringify(branch)}`);
  }
  return pushFromScratch(root, url, branch, undefined, options);
}

async function pushFromScratch(
  root: string,
  url: string,
  branch: string,
  token: string | undefined,
  options: PushWithTokenOptions,
): Promise<void> {
  const sha = (
    await runGit(root, ["rev-parse", "--verify", "--end-of-options", `${options.sha ?? "HEAD"}^{commit}`])
  ).stdout.trim();
  const objects = (
    await runGit(root, ["rev-parse", "--path-format=absolute", "--git-path", "objects"])
  ).stdout.trim();

  const dir = await mkdtemp(join(tmpdir(), "planwright-push-"));
  try {
    await chmod(dir, 0o700);
    const repo = join(dir, "repo.git");
    const askpass = join(dir, "askpass.sh");
    if (token !== undefined) await writeFile(askpass, ASKPASS, { mode: 0o700 });
    const env = token !== undefined ? pushEnv(dir, askpass) : userPushEnv();
    await git(dir, ["init", "--quiet", "--bare", "--template=", repo], env);
    await writeFile(join(repo, "objects", "info", "alternates"), `${objects}\n`);
    const args = ["push", "--porcelain", "--no-verify"];
    if (options.expectedRemoteHead !== undefined) {
      const expected = options.expectedRemoteHead;
      const ancestor = await git(
        repo,
        ["merge-base", "--is-ancestor", expected, sha],
        env,
        undefined,
        [1, 128],
      );
      if (ancestor.code !== 0) {
        throw new ConflictError(
          `refusing to push ${sha.slice(0, 7)} to ${branch}: it does not build on the expected head ${expected.slice(0, 7)}`,
        );
      }
      args.push(`--force-with-lease=refs/heads/${branch}:${expected}`);
    }
    args.push("--", url, `${sha}:refs/heads/${branch}`);
    try {
      await git(repo, args, env, token);
    } catch (error) {
      throw pushError(error, branch, token ?? "\0no token\0");
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A push function for flows that take one (`(remote, branch) => Promise<void>`): pushes HEAD of
 * `root` to `remoteUrl` with `token`, whatever remote name it is given.
 */
export function tokenPusher(
  root: string,
  remoteUrl: string,
  token: string,
): (remote: string, branch: string) => Promise<void> {
  return (_remote, branch) => pushWithToken(root, remoteUrl, branch, token);
}

/** `https://host/x` becomes `https://x-access-token@host/x`; credentials in the URL are refused. */
export function withUser(remoteUrl: string): string {
  if (!/^https?:\/\//i.test(remoteUrl)) return remoteUrl;
  let url: URL;
  try {
    url = new URL(remoteUrl);
  } catch {
    throw new UsageError(`not a valid remote URL: ${remoteUrl}`);
  }
  if (url.password !== "") throw new UsageError("the remote URL must not hold a password");
  if (url.username === "") url.username = TOKEN_USER;
  return url.toString();
}

/** A minimal environment: no global config, no terminal, hooks and helpers configured away. */
function pushEnv(home: string, askpass: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && NETWORK_VARS.test(name)) env[name] = value;
  }
  return {
    ...env,
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: "core.hooksPath",
    GIT_CONFIG_VALUE_0: "/dev/null",
    GIT_CONFIG_KEY_1: "credential.helper",
    GIT_CONFIG_VALUE_1: "",
    GIT_ASKPASS: askpass,
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
    LANGUAGE: "C",
  };
}

/** The person's environment with hooks off: their global config (credential helper) stays. */
function userPushEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "core.hooksPath",
    GIT_CONFIG_VALUE_0: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
  };
}

/** Runs git with `env`; when `token` is given, it is written to fd 3 and the socket closed. */
function git(
  cwd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  token?: string,
  okCodes: number[] = [],
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(gitProgram.path, args, { cwd, env, stdio: ["ignore", "pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr?.on("data", (c: Buffer) => err.push(c));
    const secret = child.stdio[3] as NodeJS.WritableStream | null;
    secret?.on("error", () => undefined);
    secret?.end(token ?? "");
    child.on("error", (error) => reject(new PlanwrightError("internal", `cannot run git: ${error.message}`)));
    child.on("close", (code) => {
      const result = {
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        code: code ?? -1,
      };
      if (result.code === 0 || okCodes.includes(result.code)) resolve(result);
      else reject(translateGitError(args, result));
    });
  });
}

/** A failed push as one of our errors, with anything that looks like the token taken out. */
function pushError(error: unknown, branch: string, token: string): unknown {
  const scrub = (text: string) => text.split(token).join("[redacted]");
  if (!(error instanceof PlanwrightError)) return error;
  const detail = error as PlanwrightError & { stdout?: string; stderr?: string };
  const stdout = detail.stdout ?? "";
  const stderr = detail.stderr ?? "";
  if (/non-fast-forward|fetch first|stale info|\[rejected\]/.test(stdout + stderr)) {
    return new ConflictError(
      `push to ${branch} was rejected: the remote branch has moved (${scrub(pushRejectionReason(stdout) ?? firstLine(stderr))}); fetch it and re-run`,
    );
  }
  if (/authentication failed|could not read (username|password)|403|401/i.test(stderr)) {
    return new PlanwrightError("policy", `push to ${branch} was refused: ${scrub(firstLine(stderr))}`);
  }
  return new PlanwrightError(
    error.failureClass,
    `push to ${branch} failed: ${scrub(firstLine(stderr) || error.message)}`,
  );
}

/** Config keys through which git hands out credentials to whoever runs git in the repository. */
const CREDENTIAL_KEYS =
  /^(http\..*\.?extraheader|credential\.(.*\.)?helper|remote\..*\.url|url\..*\.insteadof)$/i;

/**
 * Credentials that git config would give any command run in `root`: an `extraheader` (what
 * `actions/checkout` persists unless `persist-credentials: false`), a credential helper, or a
 * remote URL with a password. Resolves to one line per finding naming the key and the file, never
 * the secret; empty when there is none. Check before running any task.
 */
export async function persistedCredentials(root: string): Promise<string[]> {
  const result = await runGit(root, ["config", "--list", "--includes", "--show-origin", "-z"], {
    okCodes: [1],
  });
  const fields = result.stdout.split("\0");
  const found: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const origin = fields[i] ?? "";
    const entry = fields[i + 1] ?? "";
    const newline = entry.indexOf("\n");
    const key = newline === -1 ? entry : entry.slice(0, newline);
    const value = newline === -1 ? "" : entry.slice(newline + 1);
    if (!CREDENTIAL_KEYS.test(key) || value.trim() === "") continue;
    if (/^remote\.|^url\./i.test(key) && !/:\/\/[^/@\s]*:[^/@\s]+@/.test(key + " " + value)) continue;
    found.push(`${key} (${origin.replace(/^file:/, "")})`);
  }
  return found;
}
