/**
 * Budgets belong to the plan, not to one invocation: spend and run time carry over through task
 * commit trailers (to any clone) and through the local record of failed attempts, so re-running a
 * failing plan cannot spend its budget again and again. One retry budget for transient failures.
 */
import fc from "fast-check";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BudgetTracker, budgetLimits } from "../../src/engine/budget.js";
import { ZERO_USAGE } from "../../src/engine/ports.js";
import {
  formatSpent,
  maxSpent,
  parseSpent,
  readSpendRecord,
  writeSpendRecord,
} from "../../src/engine/spend.js";
import { TransientError } from "../../src/errors.js";
import { openWorkspace } from "../../src/git/git-workspace.js";
import { cloneTestRepo } from "../helpers/git-repo.js";
import { fixture, planInput, type Fixture } from "./executor-fixture.js";
import { ManualClock } from "./manual-clock.js";
import { ScriptedModel } from "./scripted-model.js";

let current: Fixture | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await current?.repo.cleanup();
  current = undefined;
  for (const c of cleanups.splice(0)) await c();
});

const edit = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  title: id,
  edit: { files: [`${id}.txt`], instructions: "write it" },
  verify: `test -f ${id}.txt`,
  retries: 0,
  ...extra,
});

describe("budgets across runs", () => {
  it("max_usd holds across a failed run and the retry after it", async () => {
    const f = (current = await fixture(
      planInput([{ id: "p", tasks: [edit("a"), edit("b")] }], { budget: { max_usd: 1 } }),
    ));
    const first = await f.run({
      model: new ScriptedModel([
        { write: { "a.txt": "a" }, usage: { costUsd: 0.6 } },
        // b's attempt spends and then fails verification: no commit, but the money is gone
        { usage: { costUsd: 0.3 } },
      ]),
    });
    expect(first.outcome).toBe("failed");
    expect(first.usage.costUsd).toBeCloseTo(0.9);
    const [commit] = await f.taskCommits();
    const trailer = await f.repo.git(
      "log",
      "-1",
      "--format=%(trailers:key=Planwright-Spent,valueonly)",
      commit!.sha,
    );
    expect(parseSpent(trailer)?.usd).toBeCloseTo(0.6);

    const second = await f.run({
      model: new ScriptedModel([{ write: { "b.txt": "b" }, usage: { costUsd: 0.3 } }]),
    });
    expect(second.outcome).toBe("failed");
    expect(second.failureClass).toBe("policy");
    expect(second.message).toMatch(/budget max_usd \(1\) exhausted: spent \$1\.20 \(earlier runs included\)/);
  });

  it("another clone starts from what the task commits record", async () => {
    const f = (current = await fixture(
      planInput([{ id: "p", tasks: [edit("a"), edit("b")] }], { budget: { max_usd: 1, max_tokens: 1000 } }),
    ));
    await f.run({
      model: new ScriptedModel([
        { write: { "a.txt": "a" }, usage: { costUsd: 0.2, inputTokens: 900 } },
        { throws: new Error("stop") },
      ]),
    });
    const clone = await cloneTestRepo(f.repo.dir);
    cleanups.push(() => clone.cleanup());
    const elsewhere = await openWorkspace(clone.dir);
    const result = await f.run({
      workspace: elsewhere,
      model: new ScriptedModel([{ write: { "b.txt": "b" }, usage: { costUsd: 0.1, inputTokens: 200 } }]),
    });
    expect(result.outcome).toBe("failed");
    expect(result.message).toMatch(/budget max_tokens \(1000\) exhausted: used 1100 tokens/);
  });

  it("max_minutes counts the time of earlier runs", async () => {
    const clock = new ManualClock();
    const f = (current = await fixture(
      planInput([{ id: "p", tasks: [edit("a"), edit("b")] }], { budget: { max_minutes: 10 } }),
    ));
    await f.run({
      clock,
      model: new ScriptedModel([
        async (tools) => {
          await tools.writeFile("a.txt", "a");
          clock.advance(6 * 60_000);
        },
        async () => {
          clock.advance(3 * 60_000);
          throw new Error("boom");
        },
      ]),
    });
    const again = await f.run({
      clock,
      model: new ScriptedModel([
        async (tools) => {
          await tools.writeFile("b.txt", "b");
          clock.advance(2 * 60_000);
        },
      ]),
    });
    expect(again.outcome).toBe("failed");
    expect(again.message).toMatch(
      /budget max_minutes \(10\) exhausted after 11\.0 minutes \(earlier runs included\)/,
    );
  });

  it("counts what a failed model call spent before failing", async () => {
    const f = (current = await fixture(planInput([{ id: "p", tasks: [edit("a")] }])));
    const { noteSpentUsage } = await import("../../src/engine/ports.js");
    const result = await f.run({
      model: new ScriptedModel([
        { throws: noteSpentUsage(new Error("the model gave up"), { ...ZERO_USAGE, costUsd: 0.42 }) },
      ]),
    });
    expect(result.outcome).toBe("failed");
    expect(result.usage.costUsd).toBeCloseTo(0.42);
    expect(result.tasks[0]?.usage.costUsd).toBeCloseTo(0.42);
  });

  it("does not retry on top of a transient error whose retries were already spent", async () => {
    const f = (current = await fixture(planInput([{ id: "p", tasks: [edit("a")] }])));
    const model = new ScriptedModel([
      { throws: new TransientError("gave up after 4 attempt(s): overloaded (529)", { exhausted: true }) },
      { write: { "a.txt": "a" } },
    ]);
    const result = await f.run({ model });
    expect(result.outcome).toBe("failed");
    expect(result.tasks[0]).toMatchObject({ failureClass: "transient", attempts: 1 });
    expect(result.message).toContain("gave up after 4 attempt(s)");
    expect(model.remaining).toBe(1);
  });
});

describe("spend records", () => {
  const spent = fc.record({
    usd: fc.double({ min: 0, max: 1000, noNaN: true }).map((v) => Math.round(v * 10_000) / 10_000),
    tokens: fc.nat(10_000_000),
    ms: fc.nat(100_000_000),
  });

  it("round-trip through the trailer format", () => {
    fc.assert(
      fc.property(spent, (s) => {
        const back = parseSpent(formatSpent(s));
        expect(back?.tokens).toBe(s.tokens);
        expect(back?.ms).toBe(s.ms);
        expect(back?.usd).toBeCloseTo(s.usd, 4);
      }),
    );
    expect(parseSpent("usd=abc tokens=-1")).toBeUndefined();
  });

  it("interrupted runs never lose what was recorded: each run starts from the largest known total", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pw-spend-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.double({ min: 0, max: 5, noNaN: true }), fc.boolean()), { maxLength: 8 }),
        async (runs) => {
          const plan = `p${Math.random().toString(36).slice(2, 8)}`;
          let committed = 0; // what the last task commit of each run records
          let spentTotal = 0;
          for (const [cost, crashed] of runs) {
            const prior = maxSpent({ usd: committed, tokens: 0, ms: 0 }, await readSpendRecord(dir, plan));
            const budget = new BudgetTracker(budgetLimits({ max_usd: 1e9 }), new ManualClock(), prior);
            // a run that crashes before saving still leaves its commit's trailer
            budget.add({ ...ZERO_USAGE, costUsd: cost });
            spentTotal += cost;
            committed = budget.total().usd;
            if (!crashed) await writeSpendRecord(dir, plan, budget.total());
            expect(budget.total().usd).toBeCloseTo(spentTotal, 6);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
