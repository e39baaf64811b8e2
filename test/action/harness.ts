/**
 * A workflow run for the Action's tests: a bare "GitHub" repository with the plan's branch, the
 * runner's checkout (a clone), the fake GitHub API, and the files and variables the runner gives a
 * step (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_STATE, the event payload).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { planBlobOf } from "../../src/engine/plan-blob.js";
import type { PlanInput } from "../../src/plan/schema.js";
import { cloneTestRepo, createTestRepo, type TestRepo } from "../helpers/git-repo.js";
import { FakeGitHub } from "./fake-github.js";

export const BRANCH = "planwright/7-test";
export const PLAN_PATH = ".planwright/plans/7-test.yaml";

export interface Harness {
  repo: TestRepo;
  github: FakeGitHub;
  planText: string;
  planBlob: string;
  /** The commit the reviewer approved (the branch head when the plan was committed). */
  approved: string;
  dir: string;
  /** Approves the branch head (or `commit`) as `login` with write permission. */
  approve(login?: string, commit?: string): Promise<void>;
  /** Environment of one Action step with these inputs. */
  env(inputs: Record<string, string>, extra?: Record<string, string>): Promise<Record<string, string>>;
  outputs(): Promise<Record<string, string>>;
  summary(): Promise<string>;
  /** Commits on the remote branch after the approved one: subject and trailers. */
  branchLog(): Promise<string[]>;
  remoteHead(): Promise<string>;
  cleanup(): Promise<void>;
}

export function plan(phases: PlanInput["phases"], more: Partial<PlanInput> = {}): PlanInput {
  return { version: 1, id: "7-test", title: "Test plan", request: "test", phases, ...more };
}

/** Creates the repository with `input` committed on its plan branch and pushed. */
export async function harness(input: PlanInput, files: Record<string, string> = {}): Promise<Harness> {
  const repo = await createTestRepo({ "README.md": "# test\n", ...files });
  const planText = stringify(input);
  await repo.git("checkout", "--quiet", "-b", BRANCH);
  await repo.write({ [PLAN_PATH]: planText });
  await repo.git("add", "-A");
  await repo.git("commit", "--quiet", "-m", "Plan: test");
  await repo.git("push", "--quiet", "origin", `HEAD:refs/heads/${BRANCH}`);
  const approved = await repo.git("rev-parse", "HEAD");
  const runner = await cloneTestRepo(repo.remote);
  const dir = await mkdtemp(join(tmpdir(), "planwright-runner-"));
  const github = new FakeGitHub(repo.remote);
  github.pull.head = BRANCH;
  const files_ = {
    output: join(dir, "output"),
    summary: join(dir, "summary"),
    state: join(dir, "state"),
    event: join(dir, "event.json"),
  };
  return {
    repo,
    github,
    planText,
    planBlob: planBlobOf(planText),
    approved,
    dir: runner.dir,
    async approve(login = "alice", commit = approved) {
      github.permissions.set(login, "write");
      github.reviews.push({ id: github.reviews.length + 1, login, state: "APPROVED", commit });
    },
    async env(inputs, extra = {}) {
      for (const f of [files_.output, files_.summary, files_.state]) await writeFile(f, "");
      if (!extra["GITHUB_EVENT_PATH"]) await writeFile(files_.event, JSON.stringify({ inputs: {} }));
      const env: Record<string, string> = {
        GITHUB_REPOSITORY: "o/r",
        GITHUB_WORKSPACE: runner.dir,
        GITHUB_OUTPUT: files_.output,
        GITHUB_STEP_SUMMARY: files_.summary,
        GITHUB_STATE: files_.state,
        GITHUB_EVENT_NAME: "workflow_dispatch",
        GITHUB_EVENT_PATH: files_.event,
        GITHUB_API_URL: "https://api.github.com",
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_RUN_ID: "42",
        "INPUT_GITHUB-TOKEN": "ghs_testtoken000000000000000000000000",
        ...extra,
      };
      for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
      return env;
    },
    async outputs() {
      const text = await readFile(files_.output, "utf8");
      const out: Record<string, string> = {};
      for (const m of text.matchAll(/^([\w-]+)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm))
        out[m[1] ?? ""] = m[3] ?? "";
      return out;
    },
    summary: () => readFile(files_.summary, "utf8"),
    async branchLog() {
      const log = await repo.git(
        "--git-dir",
        repo.remote,
        "log",
        "--reverse",
        "--format=%s|%(trailers:key=Planwright-Task,valueonly,separator=)|%(trailers:key=Planwright-Revert,valueonly,separator=)",
        `${approved}..refs/heads/${BRANCH}`,
      );
      return log === "" ? [] : log.split("\n");
    },
    remoteHead: () => repo.git("--git-dir", repo.remote, "rev-parse", `refs/heads/${BRANCH}`),
    async cleanup() {
      await runner.cleanup();
      await repo.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An `issue_comment.created` payload as GitHub sends it: `body` by alice on issue #42. */
export function issueCommentEvent(body: string, commentId: number): Record<string, unknown> {
  const alice = { login: "alice", type: "User" };
  return {
    action: "created",
    repository: { full_name: "o/r", default_branch: "main" },
    issue: { number: 42, title: "Two-factor login", body: "Users want 2FA.", user: alice, labels: [] },
    comment: { id: commentId, body, user: alice },
    sender: alice,
  };
}

/** Sets `env` on process.env for one call, restoring every variable after; resolves to the exit code it set. */
export async function withEnv(env: Record<string, string>, work: () => Promise<void>): Promise<number> {
  const saved = new Map<string, string | undefined>();
  const clear = Object.keys(process.env).filter((k) => k.startsWith("INPUT_") || k.startsWith("STATE_"));
  for (const k of [...clear, ...Object.keys(env)]) saved.set(k, process.env[k]);
  for (const k of clear) delete process.env[k];
  Object.assign(process.env, env);
  try {
    await work();
    return Number(process.exitCode ?? 0);
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    process.exitCode = undefined;
  }
}
