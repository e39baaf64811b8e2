/**
 * Git as a credential holder runs it: the binary by absolute path, a fixed PATH, no system or
 * global configuration (GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL=/dev/null), and the checkout's own
 * configuration refused when it keeps a credential (`http.<url>.extraheader`, which
 * actions/checkout writes unless `persist-credentials: false`). Whatever an earlier step or a
 * command put first on PATH (`~/.local/bin/git`), into /etc/gitconfig or ~/.gitconfig (an
 * `insteadOf` rewrite, a credential helper) never runs with Planwright's environment.
 */
import { existsSync } from "node:fs";
import { PolicyError } from "../errors.js";
import { persistedCredentials } from "./credential-push.js";
import { gitProgram } from "./run-git.js";

/** PATH for git and what git starts (ssh, gpg), when a credential is in the process. */
export const TRUSTED_PATH = "/usr/bin:/bin:/usr/sbin:/sbin";

const GIT_CANDIDATES = ["/usr/bin/git", "/bin/git", "/usr/local/bin/git"];

/**
 * Hardens every later git of this process (run-git, the object reader, the token push): resolves
 * git's absolute path and rewrites `env` (process.env by default) for it. Call it once, first,
 * after copying the environment the plan's commands should get.
 */
export function hardenGit(env: NodeJS.ProcessEnv = process.env, candidates = GIT_CANDIDATES): string {
  const git = candidates.find((path) => existsSync(path));
  if (!git)
    throw new PolicyError(
      `git is not installed in ${candidates.join(", ")}; refusing to use one found through PATH`,
    );
  gitProgram.path = git;
  env.PATH = TRUSTED_PATH;
  env.GIT_CONFIG_NOSYSTEM = "1";
  env.GIT_CONFIG_GLOBAL = "/dev/null";
  delete env.XDG_CONFIG_HOME;
  for (const key of Object.keys(env))
    if (
      /^GIT_(CONFIG_(COUNT|KEY_\d+|VALUE_\d+|PARAMETERS)|ASKPASS|SSH(_COMMAND)?|EXEC_PATH|PROXY_COMMAND)$/.test(
        key,
      )
    )
      delete env[key];
  delete env.SSH_ASKPASS;
  // a checkout owned by another user (a container job) needs safe.directory, which only
  // protected configuration may set: the environment's counts as the command line's
  env.GIT_CONFIG_COUNT = "1";
  env.GIT_CONFIG_KEY_0 = "safe.directory";
  env.GIT_CONFIG_VALUE_0 = "*";
  return git;
}

/** Refuses a checkout whose git configuration keeps a credential (included files too). */
export async function refusePersistedCredentials(root: string): Promise<void> {
  const [first, ...rest] = await persistedCredentials(root);
  if (first === undefined) return;
  throw new PolicyError(
    `the checkout's git configuration keeps a credential: ${first}${rest.length > 0 ? ` and ${rest.length} more` : ""}; ` +
      "the plan's commands could read it. Check out with persist-credentials: false and keep credentials out of git config",
  );
}
