import { describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEFAULT_IDENTITY,
  GitCommandError,
  firstLine,
  gitEnv,
  runGit,
  translateGitError,
} from "../../src/git/run-git.js";
import { PlanwrightError, TransientError } from "../../src/errors.js";

describe("firstLine", () => {
  it("prefers the fatal or error line and drops its prefix", () => {
    expect(firstLine("hint: try this\nfatal: bad revision 'x'\n")).toBe("bad revision 'x'");
    expect(firstLine("To /some/remote\nerror: failed to push some refs\n")).toBe("failed to push some refs");
    expect(firstLine("warning: w\nsomething odd\n")).toBe("something odd");
    expect(firstLine("")).toBe("");
  });
});

describe("translateGitError", () => {
  it("makes network trouble on push and fetch transient", () => {
    const error = translateGitError(["push", "origin", "HEAD"], {
      stdout: "",
      stderr: "fatal: unable to access 'https://example.com/r.git/': Could not resolve host: example.com\n",
      code: 128,
    });
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(
      "git push failed: unable to access 'https://example.com/r.git/': Could not resolve host: example.com",
    );
  });

  it("keeps other failures as GitCommandError with git's stderr", () => {
    const error = translateGitError(["-c", "a=b", "log", "nope"], {
      stdout: "",
      stderr: "fatal: bad revision 'nope'\n",
      code: 128,
    });
    expect(error).toBeInstanceOf(GitCommandError);
    expect(error.message).toBe("git log failed: bad revision 'nope'");
    expect((error as GitCommandError).code).toBe(128);
  });
});

describe("runGit", () => {
  it("passes the identity and a stable environment", () => {
    const env = gitEnv({ name: "N", email: "e@x" });
    expect(env).toMatchObject({
      GIT_TERMINAL_PROMPT: "0",
      LC_ALL: "C",
      GIT_AUTHOR_NAME: "N",
      GIT_COMMITTER_EMAIL: "e@x",
    });
    expect(gitEnv().GIT_AUTHOR_EMAIL).toBe(DEFAULT_IDENTITY.email);
  });

  it("ignores GIT_DIR from the caller's environment", async () => {
    const dir = await mkdtemp(join(tmpdir(), "planwright-rungit-"));
    const saved = process.env["GIT_DIR"];
    try {
      await runGit(dir, ["init", "-q"]);
      process.env["GIT_DIR"] = join(tmpdir(), "definitely-not-a-repo");
      const { stdout } = await runGit(dir, ["rev-parse", "--absolute-git-dir"]);
      expect(stdout.trim()).toMatch(/planwright-rungit-[^/]+\/\.git$/);
    } finally {
      if (saved === undefined) delete process.env["GIT_DIR"];
      else process.env["GIT_DIR"] = saved;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("accepts ok codes and rejects others with a one-line message", async () => {
    const dir = await mkdtemp(join(tmpdir(), "planwright-rungit-"));
    try {
      const r = await runGit(dir, ["rev-parse", "--verify", "--quiet", "HEAD"], { okCodes: [1, 128] });
      expect(r.code).not.toBe(0);
      const error = await runGit(dir, ["log"]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlanwrightError);
      expect((error as Error).message).toMatch(/^git log failed: not a git repository/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says clearly when git is missing", async () => {
    const saved = process.env["PATH"];
    try {
      process.env["PATH"] = join(tmpdir(), "no-git-here");
      await expect(runGit(tmpdir(), ["--version"])).rejects.toThrow("git is not installed or not on PATH");
    } finally {
      process.env["PATH"] = saved;
    }
    const missing = join(tmpdir(), "planwright-no-such-dir-" + process.pid);
    await expect(runGit(missing, ["status"])).rejects.toThrow(`no such directory: ${missing}`);
  });
});
