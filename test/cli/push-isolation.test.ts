/**
 * `planwright run --push` on a person's machine: a task that rewrites `.git/config` (a push URL
 * to elsewhere, a pre-push hook, an insteadOf rule) changes nothing about where and how the push
 * goes, even with the sandbox off: the URL is read before the run, and the push runs from a
 * fresh repository that has none of the checkout's configuration.
 */
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/program.js";
import { pushIsolated } from "../../src/git/credential-push.js";
import type { CliIO } from "../../src/cli/io.js";
import { createTestRepo, gitIn, type TestRepo } from "../helpers/git-repo.js";

let repo: TestRepo | undefined;
let elsewhere: string | undefined;
afterEach(async () => {
  await repo?.cleanup();
  if (elsewhere) await rm(elsewhere, { recursive: true, force: true });
  repo = elsewhere = undefined;
});

describe("planwright run --push", () => {
  it("pushes to the remote as it was before the run, with no hook of the checkout's", async () => {
    elsewhere = await mkdtemp(join(tmpdir(), "planwright-elsewhere-"));
    await gitIn(elsewhere, "init", "--quiet", "--bare", "evil.git");
    const evil = join(elsewhere, "evil.git");
    const marker = join(elsewhere, "hook-ran");
    repo = await createTestRepo();
    // the command rules refuse such commands written out; a script of the plan's is not read
    const script = [
      `git config remote.origin.pushurl ${evil}`,
      `git config url.${evil}.pushInsteadOf ${repo.remote}`,
      `printf '#!/bin/sh\\ntouch ${marker}\\n' > .git/hooks/pre-push && chmod +x .git/hooks/pre-push`,
      "git config core.hooksPath .git/hooks",
      "echo t > t.txt",
    ].join("\n");
    const plan = `version: 1
id: 3-push
title: Push
request: push
phases:
  - id: p
    tasks:
      - id: tamper
        title: Tamper with the git config
        run: sh tools/tamper.sh
`;
    await repo.write({ "tools/tamper.sh": `${script}\n` });
    await repo.write({ ".planwright/plans/3-push.yaml": plan });
    await repo.git("add", "-A");
    await repo.git("commit", "--quiet", "-m", "plan");
    await repo.git("push", "--quiet", "origin", "main");
    let err = "";
    const io: CliIO = {
      out: () => undefined,
      err: (t) => void (err += t),
      isTTY: false,
      env: { PATH: process.env.PATH },
      cwd: repo.dir,
    };
    const code = await main(
      ["run", ".planwright/plans/3-push.yaml", "--push", "origin", "--branch", "main", "--sandbox", "off"],
      io,
    );
    // the task is refused for changing .git and the configuration put back; nothing is pushed
    // anywhere and the hook never runs
    expect(code).toBe(1);
    expect(err).toMatch(/task tamper changed the repository's own git configuration \(\.git\/config/);
    expect(await repo.git("config", "--get", "remote.origin.pushurl").catch(() => "")).toBe("");
    expect(await gitIn(repo.remote, "rev-parse", "refs/heads/main")).toBe(
      await repo.git("rev-parse", "HEAD"),
    );
    expect(await gitIn(evil, "for-each-ref")).toBe("");
    expect(existsSync(marker)).toBe(false);
  });

  it("pushIsolated ignores the checkout's configuration: pushurl, insteadOf, hooks", async () => {
    elsewhere = await mkdtemp(join(tmpdir(), "planwright-elsewhere-"));
    await gitIn(elsewhere, "init", "--quiet", "--bare", "evil.git");
    const evil = join(elsewhere, "evil.git");
    const marker = join(elsewhere, "hook-ran");
    repo = await createTestRepo({ "a.txt": "a\n" });
    const url = repo.remote;
    await repo.git("config", "remote.origin.pushurl", evil);
    await repo.git("config", `url.${evil}.pushInsteadOf`, url);
    await repo.write({ ".git/hooks/pre-push": `#!/bin/sh\ntouch ${marker}\n` });
    await repo.git("config", "core.hooksPath", ".git/hooks");
    await chmod(join(repo.dir, ".git/hooks/pre-push"), 0o755);
    await repo.write({ "b.txt": "b\n" });
    await repo.git("add", "b.txt");
    await repo.git("commit", "--quiet", "-m", "b");
    expect(await gitIn(url, "rev-parse", "refs/heads/main")).not.toBe(await repo.git("rev-parse", "HEAD"));
    await pushIsolated(repo.dir, url, "main");
    expect(await gitIn(url, "rev-parse", "refs/heads/main")).toBe(await repo.git("rev-parse", "HEAD"));
    expect(await gitIn(evil, "for-each-ref")).toBe("");
    expect(existsSync(marker)).toBe(false);
  });
});
