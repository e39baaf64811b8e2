import { EventEmitter } from "node:events";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/action/main.js";
import { ScriptedModel } from "../engine/scripted-model.js";
import { BRANCH, PLAN_PATH, harness, plan, withEnv, type Harness } from "./harness.js";

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());

let open: Harness[] = [];
afterEach(async () => {
  nock.cleanAll();
  for (const h of open) await h.cleanup();
  open = [];
});

async function setup(...args: Parameters<typeof harness>): Promise<Harness> {
  const h = await harness(...args);
  open.push(h);
  h.github.mountNock();
  return h;
}

const threeTasks = plan([
  {
    id: "build",
    title: "Build",
    tasks: [
      { id: "write-a", title: "Write a", write: { path: "a.txt", content: "a\n" } },
      {
        id: "edit-b",
        title: "Edit b",
        edit: { files: ["b.txt"], instructions: "create b" },
        verify: "test -f b.txt",
      },
      { id: "write-c", title: "Write c", write: { path: "c.txt", content: "c\n" } },
    ],
  },
]);

const fast = { checkIntervalMs: 0, commentIntervalMs: 0 };

describe("the Action's main", () => {
  it("executes an approved plan end to end: one pushed commit per task, check runs, comment, outputs, summary", async () => {
    const h = await setup(threeTasks);
    await h.approve();
    const model = new ScriptedModel([
      { write: { "b.txt": "b\n" }, usage: { inputTokens: 1000, outputTokens: 200, costUsd: 0.01 } },
    ]);
    const code = await withEnv(await h.env({ command: "execute", pr: "5", "plan-blob": h.planBlob }), () =>
      run({ model, ...fast }),
    );
    expect(code).toBe(0);

    const out = await h.outputs();
    expect(out).toMatchObject({
      status: "succeeded",
      "tasks-done": "3",
      "tasks-failed": "0",
      "cost-usd": "0.0100",
    });
    expect(out["head-sha"]).toBe(await h.remoteHead());
    expect(await h.branchLog()).toEqual(["Write a|write-a|", "Edit b|edit-b|", "Write c|write-c|"]);

    const g = h.github;
    expect(g.violations).toEqual([]);
    const plans = g.runs("planwright");
    const last = plans.at(-1)!;
    expect(last).toMatchObject({ head_sha: out["head-sha"], status: "completed", conclusion: "success" });
    expect(last.output.summary).toContain("`write-c`");
    // every earlier plan check run was closed when the head moved
    for (const old of plans.slice(0, -1)) expect(old.status).toBe("completed");
    const edit = g.runs("planwright / edit-b")[0]!;
    expect(edit).toMatchObject({ status: "completed", conclusion: "success" });
    expect(
      await h.repo.git(
        "--git-dir",
        h.repo.remote,
        "log",
        "-1",
        "--format=%(trailers:key=Planwright-Task,valueonly)",
        edit.head_sha,
      ),
    ).toBe("edit-b");
    const comment = g.comments.find((c) => c.body.includes("<!-- planwright:status plan=7-test -->"));
    expect(comment?.body).toContain("Done");

    const summary = await h.summary();
    expect(summary).toContain("| ✅ | `write-a`");
    expect(summary).toContain("```mermaid\ngantt");
    expect(summary).toContain("### Totals");
    // requests for this run, per executed task (reported in the README)
    const perTask = g.requests.length / 3;
    // fixed costs (PR, reviews, compare, check runs, comment) plus landing: tree, commit, ref
    expect(perTask).toBeLessThan(15);
  });

  it("refuses when the plan changed after approval, and says so on the check run and the comment", async () => {
    const h = await setup(threeTasks);
    await h.approve();
    await h.repo.write({ [PLAN_PATH]: h.planText.replace("Write a", "Write a differently") });
    await h.repo.git("commit", "--quiet", "-am", "tweak the plan");
    await h.repo.git("push", "--quiet", "origin", `HEAD:refs/heads/${BRANCH}`);
    const code = await withEnv(await h.env({ command: "execute", pr: "5", "plan-blob": h.planBlob }), () =>
      run(fast),
    );
    expect(code).toBe(1);
    expect((await h.outputs()).status).toBe("refused");
    const check = h.github.runs("planwright").at(-1)!;
    expect(check.conclusion).toBe("failure");
    expect(check.output.summary).toMatch(/the plan changed after approval/);
    expect(h.github.comments[0]?.body).toMatch(/plan changed after approval/);
    expect(await h.branchLog()).toEqual(["tweak the plan||"]);
  });

  it("refuses a foreign commit after the approved one", async () => {
    const h = await setup(threeTasks);
    await h.approve();
    await h.repo.write({ "sneaky.txt": "x\n" });
    await h.repo.git("add", "-A");
    await h.repo.git("commit", "--quiet", "-m", "sneak in a change");
    await h.repo.git("push", "--quiet", "origin", `HEAD:refs/heads/${BRANCH}`);
    await withEnv(await h.env({ command: "execute", pr: "5" }), () => run(fast));
    expect((await h.outputs()).status).toBe("refused");
    expect(h.github.runs("planwright").at(-1)!.output.summary).toMatch(
      /"sneak in a change"\) after the approved commit .* is not a Planwright task or revert commit/,
    );
  });

  it("refuses without an approval that counts", async () => {
    const h = await setup(threeTasks);
    h.github.reviews.push({ id: 9, login: "mallory", state: "APPROVED", commit: h.approved });
    await withEnv(await h.env({ command: "execute", pr: "5" }), () => run(fast));
    expect((await h.outputs()).status).toBe("refused");
    expect(h.github.runs("planwright").at(-1)!.output.summary).toMatch(
      /not approved: 0 of 1 approval.*mallory/,
    );
    expect(await h.branchLog()).toEqual([]);
  });

  it("fails the step with one line on a bad input", async () => {
    const h = await setup(threeTasks);
    const code = await withEnv(await h.env({ command: "explode", pr: "5" }), () => run(fast));
    expect(code).toBe(1);
    expect((await h.outputs()).status).toBe("failed");
  });
});

describe("cancel, resume, wait and retry", () => {
  it("a cancelled run leaves the last task commit and resumes without duplicating anything", async () => {
    const h = await setup(threeTasks);
    await h.approve();
    const signals = new EventEmitter() as unknown as NodeJS.Process;
    const model = new ScriptedModel([
      async () => {
        (signals as unknown as EventEmitter).emit("SIGTERM");
      },
    ]);
    await withEnv(await h.env({ command: "execute", pr: "5" }), () => run({ model, signals, ...fast }));
    expect((await h.outputs()).status).toBe("cancelled");
    expect(await h.branchLog()).toEqual(["Write a|write-a|"]);
    expect(h.github.runs("planwright").at(-1)!.conclusion).toBe("cancelled");

    const again = new ScriptedModel([{ write: { "b.txt": "b\n" } }]);
    await withEnv(await h.env({ command: "execute", pr: "5" }), () => run({ model: again, ...fast }));
    expect((await h.outputs()).status).toBe("succeeded");
    expect(await h.branchLog()).toEqual(["Write a|write-a|", "Edit b|edit-b|", "Write c|write-c|"]);
  });

  it("the post step marks the plan check run cancelled when the main step never finished", async () => {
    const h = await setup(threeTasks);
    h.github.checkRuns.push({
      id: 7,
      name: "planwright",
      head_sha: h.approved,
      status: "in_progress",
      conclusion: null,
      output: {},
      updates: 0,
    });
    const env = await h.env(
      { command: "execute", pr: "5" },
      { "STATE_planwright-phase": "main", "STATE_planwright-check": "7" },
    );
    await withEnv(env, () => run(fast));
    expect(h.github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "cancelled" });
    // a finished main step leaves the check run alone
    const done = await h.env(
      { command: "execute", pr: "5" },
      { "STATE_planwright-phase": "finished", "STATE_planwright-check": "7" },
    );
    const before = h.github.requests.length;
    await withEnv(done, () => run(fast));
    expect(h.github.requests.length).toBe(before);
  });

  it("a manual phase waits with a Continue button; continue runs the task", async () => {
    const h = await setup(
      plan([
        { id: "one", tasks: [{ id: "write-a", title: "Write a", write: { path: "a.txt", content: "a\n" } }] },
        {
          id: "two",
          mode: "manual",
          tasks: [{ id: "write-b", title: "Write b", write: { path: "b.txt", content: "b\n" } }],
        },
      ]),
    );
    await h.approve();
    const code = await withEnv(await h.env({ command: "execute", pr: "5" }), () => run(fast));
    expect(await h.outputs()).toMatchObject({ status: "waiting", "tasks-done": "1" });
    expect(code).toBe(0);
    const waiting = h.github.runs("planwright").at(-1)!;
    expect(waiting.conclusion).toBe("action_required");
    expect(waiting.actions).toEqual([expect.objectContaining({ label: "Continue", identifier: "continue" })]);

    await withEnv(await h.env({ command: "continue", pr: "5" }), () => run(fast));
    expect(await h.outputs()).toMatchObject({ status: "succeeded", "tasks-done": "2" });
    expect(await h.branchLog()).toEqual(["Write a|write-a|", "Write b|write-b|"]);
  });

  it("a failed task names the next commands; retry runs that task only", async () => {
    const h = await setup(
      plan([
        {
          id: "one",
          tasks: [
            { id: "write-a", title: "Write a", write: { path: "a.txt", content: "a\n" } },
            {
              id: "fix-b",
              title: "Fix b",
              edit: { files: ["b.ts"], instructions: "x" },
              verify: 'cat b.ts; test "$(cat b.ts)" = good',
              retries: 0,
            },
          ],
        },
      ]),
    );
    await h.approve();
    const bad = new ScriptedModel([{ write: { "b.ts": "src/b.ts:3:7 - error TS2322: bad\n" } }]);
    await withEnv(await h.env({ command: "execute", pr: "5" }), () => run({ model: bad, ...fast }));
    expect(await h.outputs()).toMatchObject({ status: "failed", "tasks-done": "1", "tasks-failed": "1" });
    const check = h.github.runs("planwright").at(-1)!;
    expect(check.conclusion).toBe("failure");
    expect(check.output.summary).toContain("`/retry fix-b`");
    const task = h.github.runs("planwright / fix-b")[0]!;
    expect(task.conclusion).toBe("failure");
    expect(task.output.annotations).toEqual([expect.objectContaining({ path: "src/b.ts", start_line: 3 })]);

    const good = new ScriptedModel([{ write: { "b.ts": "good" } }]);
    await withEnv(await h.env({ command: "retry", pr: "5", task: "fix-b" }), () =>
      run({ model: good, ...fast }),
    );
    expect((await h.outputs()).status).toBe("succeeded");
    expect(good.requests.map((r) => r.taskId)).toEqual(["fix-b"]);
    expect(await h.branchLog()).toEqual(["Write a|write-a|", "Fix b|fix-b|"]);
  });

  it("skip marks a task done with an empty commit and goes on", async () => {
    const h = await setup(threeTasks);
    await h.approve();
    await withEnv(await h.env({ command: "skip", pr: "5", task: "edit-b" }), () => run(fast));
    expect((await h.outputs()).status).toBe("succeeded");
    expect(await h.branchLog()).toEqual(['Skip "Edit b"|edit-b|', "Write a|write-a|", "Write c|write-c|"]);
  });
});

describe("rollback", () => {
  it("rolls back one task, then all, pushing revert commits", async () => {
    const h = await setup(threeTasks);
    await h.approve();
    await withEnv(await h.env({ command: "execute", pr: "5" }), () =>
      run({ model: new ScriptedModel([{ write: { "b.txt": "b\n" } }]), ...fast }),
    );
    await withEnv(await h.env({ command: "rollback", pr: "5", task: "write-c" }), () => run(fast));
    const out = await h.outputs();
    expect(out).toMatchObject({ status: "succeeded", "tasks-done": "2" });
    expect(out["head-sha"]).toBe(await h.remoteHead());
    expect((await h.branchLog()).at(-1)).toBe('Revert "Write c"||write-c');
    const check = h.github.runs("planwright").at(-1)!;
    expect(check.head_sha).toBe(out["head-sha"]);
    expect(check.output.summary).toMatch(/reverted 1 task \(write-c\); the branch is now at/);

    await withEnv(await h.env({ command: "rollback", pr: "5" }), () => run(fast));
    expect(await h.outputs()).toMatchObject({ status: "succeeded", "tasks-done": "0" });
    expect((await h.branchLog()).slice(-2)).toEqual(['Revert "Edit b"||edit-b', 'Revert "Write a"||write-a']);
    expect(h.github.comments[0]?.body).toMatch(/Rolled back/);
  });
});

describe("cost of a run", () => {
  it("measures GitHub requests and wall time per executed task (printed for the README)", async () => {
    const n = 12;
    const tasks = Array.from({ length: n }, (_, i) => ({
      id: `write-${i}`,
      title: `Write ${i}`,
      write: { path: `f${i}.txt`, content: `${i}\n` },
    }));
    const h = await setup(plan([{ id: "all", tasks }]));
    await h.approve();
    const started = performance.now();
    await withEnv(await h.env({ command: "execute", pr: "5" }), () => run());
    const flowMs = (performance.now() - started) / n;
    expect((await h.outputs()).status).toBe("succeeded");
    const perTask = h.github.requests.length / n;
    // the same commits and pushes made by a shell loop: what the Action adds on top of git
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await h.repo.write({ [`g${i}.txt`]: `${i}\n` });
      await h.repo.git("add", "-A");
      await h.repo.git("commit", "--quiet", "-m", `g${i}`);
      await h.repo.git("push", "--quiet", "origin", `HEAD:refs/heads/loop`);
    }
    const loopMs = (performance.now() - t0) / n;
    console.log(
      `action run: ${perTask.toFixed(2)} GitHub requests per task (${h.github.requests.length} for ${n} tasks), ` +
        `${flowMs.toFixed(0)} ms per task vs ${loopMs.toFixed(0)} ms for git add/commit/push (x${(flowMs / loopMs).toFixed(1)})`,
    );
    // landing is three requests per task (tree, commit, branch), beside the task's check run
    expect(perTask).toBeLessThanOrEqual(6);
  });
});

describe("secrets", () => {
  it("keeps credential values and token formats out of the job summary", async () => {
    const secret = "planwrightcanary5e1f0a77";
    const h = await setup(
      plan([
        {
          id: "p",
          tasks: [
            {
              id: "notes",
              title: `Notes on ${secret} and AKIACANARYFILE000001`,
              write: { path: "n.md", content: "n\n" },
            },
          ],
        },
      ]),
    );
    await h.approve();
    await withEnv(await h.env({ command: "execute", pr: "5" }, { DEPLOY_TOKEN: secret }), () => run(fast));
    expect((await h.outputs()).status).toBe("succeeded");
    const summary = await h.summary();
    expect(summary).toContain("Notes on [redacted] and [redacted]");
    expect(summary).not.toContain(secret);
  });
});
