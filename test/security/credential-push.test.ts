import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { persistedCredentials, pushWithToken, withUser } from "../../src/git/credential-push.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";
import { startHttpGitServer, type HttpGitServer } from "./http-git-server.js";

const run = promisify(execFile);
const TOKEN = `ghs_canary${Math.random().toString(36).slice(2)}TOKEN`;

let repo: TestRepo | undefined;
let server: HttpGitServer | undefined;
afterEach(async () => {
  await server?.close();
  await repo?.cleanup();
  repo = undefined;
  server = undefined;
});

async function setup(): Promise<{ url: string; repo: TestRepo }> {
  repo = await createTestRepo();
  server = await startHttpGitServer(dirname(repo.remote), TOKEN);
  await repo.write({ "src/a.ts": "a\n" });
  await repo.git("add", "-A");
  await repo.git("commit", "--quiet", "-m", "task");
  return { url: `${server.baseUrl}${basename(repo.remote)}`, repo };
}

async function remoteHead(r: TestRepo): Promise<string> {
  const { stdout } = await run("git", ["--git-dir", r.remote, "rev-parse", "refs/heads/main"]);
  return stdout.trim();
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("pushWithToken", () => {
  it("pushes over authenticated HTTP with the token given only through the askpass socket", async () => {
    const { url, repo: r } = await setup();
    const head = await r.git("rev-parse", "HEAD");
    await pushWithToken(r.dir, url, "main", TOKEN);
    expect(await remoteHead(r)).toBe(head);
    expect(server!.requests.some((q) => q.auth === "ok" && q.path.includes("git-receive-pack"))).toBe(true);
    // the token went nowhere on disk: not into the repository's config or any file of it
    for (const file of await filesUnder(join(r.dir, ".git"))) {
      expect((await readFile(file)).includes(TOKEN), file).toBe(false);
    }
  });

  it("says the push was refused for a wrong token, without the token in the message", async () => {
    const { url, repo: r } = await setup();
    const before = await remoteHead(r);
    const error = await pushWithToken(r.dir, url, "main", "wrong-token-value").catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^push to main was refused: /);
    expect((error as Error).message).not.toContain("wrong-token-value");
    expect(await remoteHead(r)).toBe(before);
  });

  it("ignores hooks, credential helpers and URL rewrites that untrusted code put in .git/config and the global git config", async () => {
    const { url, repo: r } = await setup();
    const trap = join(r.dir, "..", "trap");
    await mkdir(trap);
    const spy = join(trap, "spy.sh");
    await writeFile(spy, `#!/bin/sh\ncat >> "${trap}/stolen.txt"\necho ran >> "${trap}/ran.txt"\n`);
    await chmod(spy, 0o755);
    await mkdir(join(r.dir, ".git/hooks"), { recursive: true });
    for (const hook of ["pre-push", "reference-transaction", "post-update"]) {
      await writeFile(join(r.dir, ".git/hooks", hook), `#!/bin/sh\nexec "${spy}"\n`);
      await chmod(join(r.dir, ".git/hooks", hook), 0o755);
    }
    await r.git("config", "credential.helper", `!${spy}`);
    await r.git("config", `url.http://127.0.0.1:9/.insteadOf`, url);
    await r.git("config", "core.askPass", spy);
    const globalConfig = join(trap, "gitconfig");
    await writeFile(globalConfig, `[credential]\n\thelper = !${spy}\n[core]\n\thooksPath = ${trap}\n`);
    const head = await r.git("rev-parse", "HEAD");
    const saved = process.env.GIT_CONFIG_GLOBAL;
    process.env.GIT_CONFIG_GLOBAL = globalConfig;
    try {
      await pushWithToken(r.dir, url, "main", TOKEN);
    } finally {
      if (saved === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = saved;
    }
    expect(await remoteHead(r)).toBe(head);
    expect((await readdir(trap)).sort()).toEqual(["gitconfig", "spy.sh"]);
  });

  it("pushes only on top of the expected remote head (checked by the server) and never forces", async () => {
    const { url, repo: r } = await setup();
    const start = await remoteHead(r);
    const head = await r.git("rev-parse", "HEAD");
    const side = await r.git("commit-tree", "HEAD^{tree}", "-m", "unrelated");
    await expect(pushWithToken(r.dir, url, "main", TOKEN, { expectedRemoteHead: side })).rejects.toThrow(
      /^refusing to push [0-9a-f]{7} to main: it does not build on the expected head/,
    );
    // someone else moves the branch
    await r.git("push", "--quiet", "--force", "origin", `${side}:refs/heads/main`);
    await expect(
      pushWithToken(r.dir, url, "main", TOKEN, { sha: head, expectedRemoteHead: start }),
    ).rejects.toThrow(/^push to main was rejected: the remote branch has moved/);
    await run("git", ["--git-dir", r.remote, "update-ref", "refs/heads/main", start]);
    await pushWithToken(r.dir, url, "main", TOKEN, { expectedRemoteHead: start });
    expect(await remoteHead(r)).toBe(head);
    // an older commit does not fast-forward: refused, not forced
    await expect(pushWithToken(r.dir, url, "main", TOKEN, { sha: start })).rejects.toThrow(/rejected/);
    expect(await remoteHead(r)).toBe(head);
  });

  it("refuses odd branch names, tokens with line breaks and URLs holding a password", async () => {
    await expect(pushWithToken(".", "https://x/y", "--force", TOKEN)).rejects.toThrow(/unusual branch name/);
    await expect(pushWithToken(".", "https://x/y", "main", "a\nb")).rejects.toThrow(/line breaks/);
    expect(() => withUser("https://u:p@github.com/o/r")).toThrow(/must not hold a password/);
    expect(withUser("https://github.com/o/r.git")).toBe("https://x-access-token@github.com/o/r.git");
  });
});

describe("persistedCredentials", () => {
  it("names every way git config would hand a credential to a command, never the secret itself", async () => {
    const saved = { global: process.env.GIT_CONFIG_GLOBAL, nosystem: process.env.GIT_CONFIG_NOSYSTEM };
    process.env.GIT_CONFIG_GLOBAL = "/dev/null";
    process.env.GIT_CONFIG_NOSYSTEM = "1";
    try {
      repo = await createTestRepo();
      const r = repo;
      expect(await persistedCredentials(r.dir)).toEqual([]);
      // what actions/checkout persists without persist-credentials: false
      await r.git("config", "http.https://github.com/.extraheader", `AUTHORIZATION: basic ${TOKEN}`);
      await r.git("remote", "set-url", "origin", `https://x-access-token:${TOKEN}@github.com/o/r.git`);
      await r.git("config", "credential.helper", "store");
      // newer checkouts keep the header in a separate file pulled in by an include
      const included = join(r.dir, "..", "checkout-auth.config");
      await writeFile(
        included,
        `[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${TOKEN}\n`,
      );
      await r.git("config", "include.path", included);
      const found = await persistedCredentials(r.dir);
      expect(found).toEqual([
        "remote.origin.url (.git/config)",
        "http.https://github.com/.extraheader (.git/config)",
        "credential.helper (.git/config)",
        `http.https://github.com/.extraheader (${included})`,
      ]);
      expect(found.join("\n")).not.toContain(TOKEN);
    } finally {
      for (const [name, value] of [
        ["GIT_CONFIG_GLOBAL", saved.global],
        ["GIT_CONFIG_NOSYSTEM", saved.nosystem],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
