/**
 * Temporary git repositories for tests: a working repository on branch `main` with an initial
 * commit, and a bare repository registered as its `origin` remote. Identity and settings live in
 * the repository's local config, so tests never depend on the machine's git configuration.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Environment for test git calls: no prompts, no system config, stable messages. */
export const TEST_GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_TERMINAL_PROMPT: "0",
  GIT_CONFIG_NOSYSTEM: "1",
  LC_ALL: "C",
  GIT_AUTHOR_NAME: "Test User",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test User",
  GIT_COMMITTER_EMAIL: "test@example.com",
};

export interface TestRepo {
  /** The working repository (branch `main`). */
  dir: string;
  /** The bare repository, registered as `origin`. */
  remote: string;
  /** Runs git in `dir`; resolves to trimmed stdout, rejects with git's stderr. */
  git(...args: string[]): Promise<string>;
  /** Writes files (creating folders) relative to `dir`. */
  write(files: Record<string, string>): Promise<void>;
  /** Removes both repositories. */
  cleanup(): Promise<void>;
}

/** Runs git in `cwd` with the test environment; resolves to trimmed stdout. */
export async function gitIn(cwd: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync("git", args, { cwd, env: TEST_GIT_ENV, maxBuffer: 64 << 20 });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${stderr.trim()}`, { cause: error });
  }
}

/**
 * Creates a repository with `files` (default: a README) committed on `main` as "initial commit"
 * and pushed to a fresh bare `origin`.
 */
export async function createTestRepo(
  files: Record<string, string> = { "README.md": "# test\n" },
): Promise<TestRepo> {
  const root = await mkdtemp(join(tmpdir(), "planwright-git-"));
  const dir = join(root, "work");
  const remote = join(root, "remote.git");
  await mkdir(dir);
  await gitIn(root, "init", "--quiet", "--bare", "--initial-branch=main", remote);
  await gitIn(root, "init", "--quiet", "--initial-branch=main", dir);
  const git = (...args: string[]) => gitIn(dir, ...args);
  await git("config", "user.name", "Test User");
  await git("config", "user.email", "test@example.com");
  await git("config", "commit.gpgsign", "false");
  await git("config", "core.autocrlf", "false");
  const write = async (more: Record<string, string>) => {
    for (const [path, content] of Object.entries(more)) {
      const full = join(dir, path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
    }
  };
  await write(files);
  await git("add", "-A");
  await git("commit", "--quiet", "--allow-empty", "-m", "initial commit");
  await git("remote", "add", "origin", remote);
  await git("push", "--quiet", "origin", "HEAD:refs/heads/main");
  return { dir, remote, git, write, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/**
 * Clones `remote` into a new temporary folder (another person's checkout), with the given identity.
 */
export async function cloneTestRepo(
  remote: string,
  identity: { name: string; email: string } = { name: "Other Person", email: "other@example.com" },
): Promise<Pick<TestRepo, "dir" | "git" | "write" | "cleanup">> {
  const root = await mkdtemp(join(tmpdir(), "planwright-clone-"));
  const dir = join(root, "work");
  await gitIn(root, "clone", "--quiet", remote, dir);
  const git = async (...args: string[]) => {
    try {
      const { stdout } = await execFileAsync("git", args, {
        cwd: dir,
        env: {
          ...TEST_GIT_ENV,
          GIT_AUTHOR_NAME: identity.name,
          GIT_AUTHOR_EMAIL: identity.email,
          GIT_COMMITTER_NAME: identity.name,
          GIT_COMMITTER_EMAIL: identity.email,
        },
      });
      return stdout.trim();
    } catch (error) {
      throw new Error(`git ${args.join(" ")} failed: ${(error as { stderr?: string }).stderr ?? ""}`, {
        cause: error,
      });
    }
  };
  await git("config", "commit.gpgsign", "false");
  const write = async (more: Record<string, string>) => {
    for (const [path, content] of Object.entries(more)) {
      const full = join(dir, path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
    }
  };
  return { dir, git, write, cleanup: () => rm(root, { recursive: true, force: true }) };
}
