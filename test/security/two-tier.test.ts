/**
 * The two-tier set-up: job 1 (no write token) runs the plan and bundles its commits; job 2 (the
 * token) verifies the bundle with `planwright verify-bundle` and pushes. Tampered bundles are refused
 * and nothing is pushed.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/program.js";
import type { CliIO } from "../../src/cli/io.js";
import { executePlan } from "../../src/engine/executor.js";
import { planBlobOf } from "../../src/engine/plan-blob.js";
import { openWorkspace } from "../../src/git/git-workspace.js";
import { createTaskBundle } from "../../src/git/task-bundle.js";
import { loadPlan } from "../../src/plan/load-plan.js";
import { cloneTestRepo, createTestRepo, type TestRepo } from "../helpers/git-repo.js";
import { startHttpGitServer, type HttpGitServer } from "./http-git-server.js";

const run = promisify(execFile);
const TOKEN = "ghs_twotier_token_value_1234";
const PLAN_PATH = ".planwright/plans/5-two-tier.yaml";
const PLAN = `version: 1
id: 5-two-tier
title: Two tier
request: test
phases:
  - id: p
    title: P
    tasks:
      - id: a
        title: A
        write: { path: src/a.txt, content: "a\\n" }
      - id: b
        title: B
        needs: [a]
        run: echo b > src/b.txt
`;

let repo: TestRepo | undefined;
let server: HttpGitServer | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await server?.close();
  await repo?.cleanup();
  for (const c of cleanups.splice(0)) await c();
  repo = server = undefined;
});

/** Job 1: a clone that runs the plan without pushing and writes a bundle of its commits. */
async function job1(tamper?: (dir: string, git: (...a: string[]) => Promise<string>) => Promise<void>) {
  repo = await createTestRepo({ "README.md": "# x\n", [PLAN_PATH]: PLAN });
  const base = await repo.git("rev-parse", "HEAD");
  const runner = await cloneTestRepo(repo.remote);
  cleanups.push(runner.cleanup);
  const ws = await openWorkspace(runner.dir);
  const bytes = new Uint8Array(await readFile(join(runner.dir, PLAN_PATH)));
  const plan = loadPlan(bytes).plan!;
  const result = await executePlan({ plan, planBlob: planBlobOf(bytes), workspace: ws });
  expect(result.outcome, result.message).toBe("succeeded");
  if (tamper) await tamper(runner.dir, runner.git);
  const scratch = await mkdtemp(join(tmpdir(), "planwright-bundle-"));
  cleanups.push(() => rm(scratch, { recursive: true, force: true }));
  const bundle = join(scratch, "planwright.bundle");
  await createTaskBundle(ws, bundle, base);
  return { base, bundle, head: await ws.head() };
}

/** Job 2: a fresh checkout of the base with the token, running the CLI. */
async function job2(bundle: string, base: string, extra: string[] = []) {
  server = await startHttpGitServer(dirname(repo!.remote), TOKEN);
  const checkout = await cloneTestRepo(repo!.remote);
  cleanups.push(checkout.cleanup);
  let out = "";
  let err = "";
  const io: CliIO = {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTTY: false,
    env: { GITHUB_TOKEN: TOKEN },
    cwd: checkout.dir,
  };
  const url = `${server.baseUrl}${basename(repo!.remote)}`;
  const args = [
    "verify-bundle",
    bundle,
    "--plan",
    PLAN_PATH,
    "--base",
    base,
    "--push",
    url,
    "--branch",
    "main",
  ];
  const code = await main([...args, ...extra], io);
  return { code, out, err };
}

async function remoteMain(): Promise<string> {
  return (await run("git", ["--git-dir", repo!.remote, "rev-parse", "refs/heads/main"])).stdout.trim();
}

describe("planwright verify-bundle", () => {
  it("verifies the bundled task commits and pushes them with the token", async () => {
    const { base, bundle, head } = await job1();
    const { code, out, err } = await job2(bundle, base);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toBe(
      `verified 2 task commit(s) from ${base.slice(0, 7)} to ${head.slice(0, 7)}\npushed ${head.slice(0, 7)} to main\n`,
    );
    expect(await remoteMain()).toBe(head);
  });

  it("refuses a bundle with a commit that touches a workflow, and pushes nothing", async () => {
    const { base, bundle } = await job1(async (dir, git) => {
      await git("config", "user.name", "x");
      await run("sh", ["-c", "mkdir -p .github/workflows && echo 'on: push' > .github/workflows/x.yml"], {
        cwd: dir,
      });
      await git("add", "-A");
      await git("commit", "--quiet", "-m", "sneak", "-m", "Planwright-Plan: 5-two-tier\nPlanwright-Task: b");
    });
    const { code, err } = await job2(bundle, base);
    expect(code).toBe(1);
    expect(err).toMatch(/^planwright: refused to push commit [0-9a-f]{7} of task b: /);
    expect(err).toContain('.github/workflows/x.yml: denied by the built-in deny list ".github/workflows/**"');
    expect(await remoteMain()).toBe(base);
  });

  it.each([
    ["a later task's trailers before the task it needs", "before"],
    ["a second commit for a task already done", "again"],
  ] as const)("refuses a bundle with a command's own commit carrying %s", async (_what, where) => {
    const { base, bundle } = await job1(async (dir, git) => {
      const blob = planBlobOf(new Uint8Array(await readFile(join(dir, PLAN_PATH))));
      const forge = async (file: string) => {
        await run("sh", ["-c", `mkdir -p src && echo forged > src/${file}`], { cwd: dir });
        await git("add", "-A");
        await git(
          "-c",
          "user.name=x",
          "-c",
          "user.email=x@x",
          "commit",
          "--quiet",
          "-m",
          "B",
          "-m",
          `Planwright-Plan: 5-two-tier\nPlanwright-Task: b\nPlanwright-Plan-Blob: ${blob}`,
        );
      };
      if (where === "again") {
        await forge("again.txt");
        return;
      }
      // the forged "b" first, then the real "a" and "b" replayed on top of it
      const [a, b] = (await git("rev-list", "--reverse", "HEAD~2..HEAD")).split("\n");
      await git("reset", "--quiet", "--hard", "HEAD~2");
      await forge("early.txt");
      await git("-c", "user.name=x", "-c", "user.email=x@x", "cherry-pick", "--quiet", a ?? "", b ?? "");
    });
    const { code, err } = await job2(bundle, base);
    expect(code).toBe(1);
    expect(err).toMatch(/refused to push commit [0-9a-f]{7} of task b: /);
    expect(err).toMatch(
      where === "before" ? /it comes before a, which task b needs/ : /task b is done already/,
    );
    expect(await remoteMain()).toBe(base);
  });

  it("refuses a plan that is not the approved blob, and an unknown base", async () => {
    const { base, bundle, head } = await job1();
    const wrongBlob = await job2(bundle, base, ["--plan-blob", "0".repeat(40)]);
    expect(wrongBlob.code).toBe(1);
    expect(wrongBlob.err).toMatch(/is blob [0-9a-f]{7}, not the approved 0000000\n$/);
    await server?.close();
    server = undefined;
    const unknown = await job2(bundle, head);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe(`planwright: --base ${head}: no such commit here\n`);
    expect(await remoteMain()).toBe(base);
  });
});
