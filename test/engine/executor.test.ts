import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConflictError, TransientError } from "../../src/errors.js";
import { ZERO_USAGE } from "../../src/engine/ports.js";
import { fixture, planInput, type Fixture } from "./executor-fixture.js";
import { ManualClock } from "./manual-clock.js";
import { ScriptedModel } from "./scripted-model.js";

let current: Fixture | undefined;
afterEach(async () => {
  await current?.repo.cleanup();
  current = undefined;
});
async function setup(...args: Parameters<typeof fixture>): Promise<Fixture> {
  current = await fixture(...args);
  return current;
}

describe("executePlan: task kinds", () => {
  it("runs write, run, delete and edit tasks as one commit each, with trailers", async () => {
    const f = await setup(
      planInput([
        {
          id: "main",
          tasks: [
            {
              id: "docs",
              title: "Write docs",
              description: "Why: users asked.",
              write: { path: "docs/a.md", content: "# A\n" },
            },
            { id: "gen", title: "Generate", run: "mkdir -p gen && echo generated > gen/out.txt" },
            { id: "drop", title: "Drop legacy", delete: { path: "legacy.txt" } },
            { id: "code", title: "Code", edit: { files: ["src/a.ts"], instructions: "write a" } },
          ],
        },
      ]),
      { "README.md": "# r\n", "legacy.txt": "old\n" },
    );
    const model = new ScriptedModel([
      { write: { "src/a.ts": "export const a = 1;\n" }, usage: { inputTokens: 10, costUsd: 0.01 } },
    ]);
    const result = await f.run({ model });
    expect(result.outcome).toBe("succeeded");
    const commits = await f.taskCommits();
    expect(commits.map((c) => [c.subject, c.task, c.blob])).toEqual([
      ["Write docs", "docs", f.planBlob],
      ["Generate", "gen", f.planBlob],
      ["Drop legacy", "drop", f.planBlob],
      ["Code", "code", f.planBlob],
    ]);
    expect(await f.filesOf(commits[0]!.sha)).toEqual(["docs/a.md"]);
    expect(await f.filesOf(commits[1]!.sha)).toEqual(["gen/out.txt"]);
    expect(await f.filesOf(commits[2]!.sha)).toEqual(["legacy.txt"]);
    expect(await f.filesOf(commits[3]!.sha)).toEqual(["src/a.ts"]);
    const message = await f.repo.git("log", "-1", "--format=%B", commits[0]!.sha);
    expect(message).toMatch(
      new RegExp(
        `^Write docs\n\nWhy: users asked.\n\nPlanwright-Plan: 7-test\nPlanwright-Task: docs\nPlanwright-Plan-Blob: ${f.planBlob}\nPlanwright-Spent: usd=0\\.0000 tokens=0 ms=\\d+$`,
      ),
    );
    expect(result.usage.costUsd).toBeCloseTo(0.01);
    expect(result.tasks.map((t) => t.status)).toEqual(["done", "done", "done", "done"]);
    expect(result.head).toBe(commits[3]!.sha);
    expect(f.events.map((e) => e.type)).toContain("usage");
    expect(f.events.at(-1)).toMatchObject({ type: "run-finished", outcome: "succeeded" });
  });

  it("skips done tasks on a re-run, so a second run changes nothing", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "a", title: "A", write: { path: "a", content: "a" } }] }]),
    );
    await f.run();
    const head = await f.workspace.head();
    const again = await f.run();
    expect(again.outcome).toBe("succeeded");
    expect(again.head).toBe(head);
    expect(again.tasks[0]).toMatchObject({ status: "done", attempts: 0 });
  });

  it("refuses to run when the done tasks were committed for another plan blob", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "a", title: "A", write: { path: "a", content: "a" } }] }]),
    );
    await f.run();
    await expect(f.run({ planBlob: "0".repeat(40) })).rejects.toBeInstanceOf(ConflictError);
  });

  it("runs commands with the environment scrubbed of secrets", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "e", title: "Env", run: "env | sort > env.txt" }] }]),
    );
    const result = await f.run({
      env: { PATH: process.env["PATH"], GITHUB_TOKEN: "ghs_secret", ANTHROPIC_API_KEY: "sk" },
    });
    expect(result.outcome).toBe("succeeded");
    const env = await readFile(join(f.repo.dir, "env.txt"), "utf8");
    expect(env).toContain("PATH=");
    expect(env).not.toContain("ghs_secret");
    expect(env).not.toContain("ANTHROPIC_API_KEY");
  });
});

describe("executePlan: verification and retries", () => {
  it("re-runs a failing run task and succeeds on a later attempt", async () => {
    const counter = await mkdtemp(join(tmpdir(), "planwright-counter-"));
    try {
      const cmd = `echo x >> ${counter}/n; test $(wc -l < ${counter}/n) -ge 2 && echo ok > done.txt`;
      const f = await setup(
        planInput([{ id: "p", tasks: [{ id: "flaky", title: "Flaky", run: cmd, retries: 2 }] }]),
      );
      const result = await f.run();
      expect(result.outcome).toBe("succeeded");
      expect(result.tasks[0]).toMatchObject({ status: "done", attempts: 2 });
      expect(f.events.flatMap((e) => (e.type === "attempt" ? [e.reason] : []))).toEqual([
        undefined,
        expect.stringMatching(/^verification: command exited with status 1/),
      ]);
    } finally {
      await rm(counter, { recursive: true, force: true });
    }
  });

  it("hands the verification output back to the model on an edit retry", async () => {
    const f = await setup(
      planInput([
        {
          id: "p",
          tasks: [
            {
              id: "fix",
              title: "Fix",
              edit: { files: ["v.txt"], instructions: "make it good" },
              verify: "grep -q good v.txt || (echo 'v.txt is not good'; exit 1)",
            },
          ],
        },
      ]),
    );
    const model = new ScriptedModel([
      { write: { "v.txt": "bad\n", "junk.txt": "x" } },
      { write: { "v.txt": "good\n" } },
    ]);
    const result = await f.run({ model });
    expect(result.outcome).toBe("succeeded");
    expect(model.requests.map((r) => r.attempt)).toEqual([1, 2]);
    expect(model.requests[1]?.previousFailure).toContain("v.txt is not good");
    const [commit] = await f.taskCommits();
    // the first attempt's files were discarded, so the commit holds only the second attempt's change
    expect(await f.filesOf(commit!.sha)).toEqual(["v.txt"]);
  });

  it("fails with class verification after the last retry, leaving the tree clean", async () => {
    const f = await setup(
      planInput([
        { id: "p", tasks: [{ id: "bad", title: "Bad", run: "echo broken > x; exit 4", retries: 1 }] },
      ]),
    );
    const result = await f.run();
    expect(result.outcome).toBe("failed");
    expect(result.failureClass).toBe("verification");
    expect(result.tasks[0]).toMatchObject({ status: "failed", attempts: 2, failureClass: "verification" });
    expect(result.message).toMatch(/^task bad failed \(verification\): command exited with status 4/);
    expect(await f.workspace.changedPaths()).toEqual([]);
    expect(await f.taskCommits()).toEqual([]);
  });

  it("retries transient model failures with backoff, without using verification retries", async () => {
    const f = await setup(
      planInput([
        { id: "p", tasks: [{ id: "e", title: "E", edit: { files: ["a"], instructions: "a" }, retries: 0 }] },
      ]),
    );
    const clock = new ManualClock();
    const model = new ScriptedModel([
      { throws: new TransientError("HTTP 529 overloaded") },
      { throws: new TransientError("connection reset") },
      { write: { a: "a\n" } },
    ]);
    const result = await f.run({ model, clock, backoff: { baseMs: 100, maxMs: 1000, random: () => 0 } });
    expect(result.outcome).toBe("succeeded");
    expect(result.tasks[0]?.attempts).toBe(3);
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it("kills a task that outlives its timeout", async () => {
    const f = await setup(
      planInput([
        { id: "p", tasks: [{ id: "slow", title: "Slow", run: "sleep 30", timeout: "1s", retries: 0 }] },
      ]),
    );
    const started = Date.now();
    const result = await f.run();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.tasks[0]).toMatchObject({
      status: "failed",
      failureClass: "verification",
      message: "timed out after 1s",
    });
  });
});

describe("executePlan: empty tasks", () => {
  it("fails a task that changes nothing", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "noop", title: "Noop", run: "true", retries: 0 }] }]),
    );
    const result = await f.run();
    expect(result.tasks[0]).toMatchObject({ status: "failed", failureClass: "verification" });
    expect(result.tasks[0]?.message).toBe(
      "task noop changed nothing; set allow_empty: true on it when that is expected (made the change by hand? record your commit with `planwright adopt noop`, or skip the task)",
    );
  });

  it("fails a write that leaves the file as it was", async () => {
    const f = await setup(
      planInput([
        {
          id: "p",
          tasks: [
            { id: "same", title: "Same", write: { path: "README.md", content: "# test\n" }, retries: 0 },
          ],
        },
      ]),
    );
    const result = await f.run();
    expect(result.tasks[0]).toMatchObject({ status: "failed", failureClass: "verification" });
    expect(result.tasks[0]?.message).toMatch(/changed nothing/);
  });

  it("records an allow_empty task that changed nothing as an empty commit with the trailers", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "noop", title: "Noop", run: "true", allow_empty: true }] }]),
    );
    const result = await f.run();
    expect(result.outcome).toBe("succeeded");
    expect(result.tasks[0]).toMatchObject({ status: "done", attempts: 1 });
    const commits = await f.taskCommits();
    expect(commits.map((c) => [c.subject, c.task, c.blob])).toEqual([["Noop", "noop", f.planBlob]]);
    expect(result.tasks[0]?.sha).toBe(commits[0]?.sha);
    expect(await f.filesOf(commits[0]!.sha)).toEqual([]);
    // the next run finds it done in history and runs nothing
    const again = await f.run();
    expect(again.tasks[0]).toMatchObject({ status: "done", attempts: 0 });
    expect(await f.taskCommits()).toHaveLength(1);
  });

  it("finishes a manual phase whose tasks are allow_empty, one --continue per task", async () => {
    const f = await setup(
      planInput([
        {
          id: "p",
          mode: "manual",
          tasks: [
            { id: "m1", title: "M1", run: "true", allow_empty: true },
            { id: "m2", title: "M2", run: "true", allow_empty: true },
          ],
        },
      ]),
    );
    expect((await f.run()).waitingOn).toBe("m1");
    const first = await f.run({ confirm: true });
    expect(first).toMatchObject({ outcome: "waiting", waitingOn: "m2" });
    const second = await f.run({ confirm: true });
    expect(second.outcome).toBe("succeeded");
    expect((await f.taskCommits()).map((c) => c.task)).toEqual(["m1", "m2"]);
    expect((await f.run()).outcome).toBe("succeeded");
  });

  it("never commits files ignored by git", async () => {
    const f = await setup(
      planInput([
        { id: "p", tasks: [{ id: "b", title: "Build", run: "echo x > out.log; echo y > kept.txt" }] },
      ]),
      {
        ".gitignore": "*.log\n",
      },
    );
    const result = await f.run();
    expect(result.outcome).toBe("succeeded");
    const [commit] = await f.taskCommits();
    expect(await f.filesOf(commit!.sha)).toEqual(["kept.txt"]);
  });
});

describe("executePlan: policy and budgets at run time", () => {
  it("refuses a write to a denied path without retrying", async () => {
    const f = await setup(
      planInput([
        {
          id: "p",
          tasks: [{ id: "wf", title: "WF", write: { path: ".github/workflows/x.yml", content: "on: push" } }],
        },
      ]),
    );
    const result = await f.run();
    expect(result.outcome).toBe("failed");
    expect(result.tasks[0]).toMatchObject({ status: "failed", attempts: 1, failureClass: "policy" });
    expect(result.tasks[0]?.message).toMatch(
      /writing ".github\/workflows\/x.yml" is not allowed: denied by the built-in deny list/,
    );
  });

  it("refuses what a command wrote outside the allowed paths, and commands outside the allow list", async () => {
    const f = await setup(
      planInput(
        [
          {
            id: "p",
            tasks: [
              { id: "sneaky", title: "Sneaky", run: "echo x > src/ok.ts; echo SECRET=1 > .env.local" },
              { id: "curl", title: "Curl", run: "curl example.com" },
            ],
          },
        ],
        { policy: { paths: { allow: ["src/**"] }, commands: { allow: ["echo *"] } } },
      ),
    );
    const first = await f.run();
    expect(first.tasks[0]).toMatchObject({ failureClass: "policy", attempts: 1 });
    expect(first.tasks[0]?.message).toMatch(/\.env\.local/);
    expect(await f.workspace.changedPaths()).toEqual([]);
  });

  it("refuses commands that the command policy does not allow", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "curl", title: "Curl", run: "curl example.com" }] }], {
        policy: { commands: { allow: ["echo *"] } },
      }),
    );
    const result = await f.run();
    expect(result.tasks[0]).toMatchObject({ failureClass: "policy", attempts: 1 });
    expect(result.tasks[0]?.message).toMatch(/^command "curl example.com" is not allowed/);
  });

  it("stops with a policy failure naming the dollar budget", async () => {
    const f = await setup(
      planInput(
        [
          {
            id: "p",
            tasks: [
              { id: "e1", title: "E1", edit: { files: ["a"], instructions: "a" } },
              { id: "e2", title: "E2", edit: { files: ["b"], instructions: "b" } },
            ],
          },
        ],
        { budget: { max_usd: 1 } },
      ),
    );
    const model = new ScriptedModel([
      { write: { a: "a" }, usage: { costUsd: 0.7 } },
      { write: { b: "b" }, usage: { costUsd: 0.7 } },
    ]);
    const result = await f.run({ model });
    expect(result.outcome).toBe("failed");
    expect(result.failureClass).toBe("policy");
    expect(result.message).toMatch(/budget max_usd \(1\) exhausted: spent \$1\.40/);
    expect((await f.taskCommits()).map((c) => c.task)).toEqual(["e1"]);
    expect(result.usage.costUsd).toBeCloseTo(1.4);
    // the failed task's tokens were spent too, and show on it
    expect(result.tasks[1]?.usage.costUsd).toBeCloseTo(0.7);
  });

  it("stops a run that exceeds max_minutes, killing the running command", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "slow", title: "Slow", run: "sleep 30" }] }], {
        budget: { max_minutes: 0.01 },
      }),
    );
    const result = await f.run();
    expect(result.outcome).toBe("failed");
    expect(result.tasks[0]).toMatchObject({ failureClass: "policy", attempts: 1 });
    expect(result.message).toMatch(/budget max_minutes \(0\.01\) exhausted/);
  });

  it("fails edit tasks with a clear policy error when no model is configured", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "e", title: "E", edit: { files: ["a"], instructions: "a" } }] }]),
    );
    const result = await f.run();
    expect(result.tasks[0]).toMatchObject({
      failureClass: "policy",
      message: "edit tasks need a model: set ANTHROPIC_API_KEY or use --replay",
    });
  });

  it("refuses the model's own writes outside the policy", async () => {
    const f = await setup(
      planInput([{ id: "p", tasks: [{ id: "e", title: "E", edit: { files: ["a"], instructions: "a" } }] }]),
    );
    const model = new ScriptedModel([
      async (tools) => {
        await expect(tools.writeFile("../outside.txt", "x")).rejects.toThrow(/escapes the repository/);
        await expect(tools.readFile(".git/config")).rejects.toThrow(/\.git\/ is never writable/);
        await tools.writeFile("a", "ok");
        return { usage: ZERO_USAGE };
      },
    ]);
    const result = await f.run({ model });
    expect(result.outcome).toBe("succeeded");
  });
});

describe("executePlan: dry run", () => {
  it("describes the waves and touches nothing", async () => {
    const f = await setup(
      planInput([
        { id: "one", tasks: [{ id: "a", title: "A", write: { path: "a", content: "a" } }] },
        {
          id: "two",
          mode: "parallel",
          tasks: [
            { id: "b", title: "B", run: "make b" },
            { id: "c", title: "C", run: "make c", needs: ["b"] },
          ],
        },
      ]),
    );
    await writeFile(join(f.repo.dir, "untracked.txt"), "mine");
    const result = await f.run({ dryRun: true });
    expect(result.dryRun).toEqual([
      "wave 1 (phase one, sequential):",
      "  a: would run: write a (1 bytes); no verification, timeout 600s, retries 2",
      "wave 2 (phase two, parallel):",
      "  b: would run: run `make b`; no verification, timeout 600s, retries 2",
      "wave 3 (phase two, parallel):",
      "  c: would run: run `make c`; no verification, timeout 600s, retries 2",
    ]);
    expect(await f.workspace.changedPaths()).toEqual(["untracked.txt"]);
    expect(await f.taskCommits()).toEqual([]);
  });
});
