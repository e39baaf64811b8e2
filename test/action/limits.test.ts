/**
 * GitHub's size limits with a 300-task plan: the plan check run's summary and a task check run's
 * text stay under 65,535 characters, the job summary under 1 MiB and its Mermaid chart under what
 * GitHub renders; the real gateway sends them (through nock to the fake GitHub).
 */
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MAX_GANTT_CHARS, renderGantt, renderJobSummary } from "../../src/action/job-summary.js";
import {
  CheckRunReporter,
  annotationsFromOutput,
  renderTaskTable,
} from "../../src/github/check-run-reporter.js";
import { createGateway } from "../../src/github/octokit-gateway.js";
import { planSchema } from "../../src/plan/schema.js";
import { FakeGitHub } from "./fake-github.js";

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

const long = (i: number) =>
  `Task number ${i} with a long and descriptive title that goes on | and on <b>`.repeat(2);

function bigPlan(n: number) {
  const tasks = Array.from({ length: n }, (_, i) => ({
    id: `task-${String(i).padStart(3, "0")}-${"x".repeat(40)}`,
    title: long(i),
    write: { path: `f${i}.txt`, content: "x" },
  }));
  return planSchema.parse({
    version: 1,
    id: "9-big",
    title: "Big",
    request: "big",
    phases: [{ id: "all", tasks }],
  });
}

describe("a 300-task plan", () => {
  it("keeps the check runs and the job summary within GitHub's limits", async () => {
    const github = new FakeGitHub("unused");
    github.mountNock();
    const gateway = createGateway(new Octokit({ auth: "t", request: { retries: 0 } }), {
      owner: "o",
      repo: "r",
    });
    const plan = bigPlan(300);
    let now = 1_000_000;
    const reporter = new CheckRunReporter({
      plan,
      gateway,
      head: "a".repeat(40),
      intervalMs: 60_000,
      now: () => now,
      commitUrl: "https://github.com/o/r/commit/",
    });
    reporter.event({ type: "run-started", planId: plan.id, tasks: 300, done: 0, at: now });
    const ids = plan.phases[0]!.tasks.map((t) => t.id);
    for (const [i, id] of ids.entries()) {
      reporter.event({ type: "task-started", taskId: id, at: now });
      now += 1_000 + i;
      if (i === 299) {
        const output = `${"noise line\n".repeat(20_000)}src/f.ts:12:3 - error TS2322: bad\n`;
        reporter.event({ type: "output", taskId: id, tail: output, at: now });
        reporter.event({
          type: "task-failed",
          taskId: id,
          failureClass: "verification",
          message: "verify failed",
          attempts: 3,
          at: now,
        });
      } else {
        reporter.event({
          type: "usage",
          taskId: id,
          usage: {
            inputTokens: 1000,
            outputTokens: 100,
            cacheReadTokens: 0,
            cacheWriteTokens: 0,
            costUsd: 0.01,
          },
          at: now,
        });
        reporter.event({
          type: "task-committed",
          taskId: id,
          sha: i.toString(16).padStart(40, "0"),
          durationMs: 1_000 + i,
          attempts: 1,
          at: now,
        });
      }
    }
    reporter.event({
      type: "run-finished",
      outcome: "failed",
      message: "task failed",
      usage: reporter.view.usage,
      durationMs: now - 1_000_000,
      at: now,
    });
    reporter.setOutcome("failed", "task failed", [`/retry ${ids[299]}`]);
    await reporter.flush();
    expect(github.violations).toEqual([]);

    const check = github.runs("planwright").at(-1)!;
    expect(check.conclusion).toBe("failure");
    const summary = check.output.summary ?? "";
    expect(summary.length).toBeLessThanOrEqual(65_535);
    expect(summary).toContain("| | task | duration |");
    // the failed task always shows; older done rows fold first
    expect(summary).toContain(`\`${ids[299]}\``);
    expect(summary).toMatch(/… \d+ more tasks not shown/);

    const failed = github.runs(`planwright / ${ids[299]}`)[0]!;
    expect((failed.output.text ?? "").length).toBeLessThanOrEqual(65_535);
    expect(failed.output.text).toContain("src/f.ts:12:3 - error TS2322");
    expect(failed.output.annotations).toEqual([
      expect.objectContaining({ path: "src/f.ts", start_line: 12 }),
    ]);

    const job = renderJobSummary(reporter.view);
    expect(job.length).toBeLessThan(1024 * 1024);
    expect(job).toContain(`\`${ids[0]}\``); // the job summary lists every task
    const gantt = renderGantt(reporter.view)!;
    expect(gantt.length).toBeLessThanOrEqual(MAX_GANTT_CHARS);
    expect(gantt).toMatch(/^```mermaid\ngantt\n/);
    expect(gantt).not.toMatch(/\|[^\n]*:/); // titles never reach the chart's syntax
  });

  it("requests per task stay low: one check run per task, coalesced plan check and comment", async () => {
    const github = new FakeGitHub("unused");
    github.mountNock();
    const gateway = createGateway(new Octokit({ auth: "t", request: { retries: 0 } }), {
      owner: "o",
      repo: "r",
    });
    const plan = bigPlan(20);
    let now = 0;
    // tasks of 10 s each, plan check updates at most every 3 s
    const reporter = new CheckRunReporter({
      plan,
      gateway,
      head: "a".repeat(40),
      intervalMs: 3_000,
      now: () => now,
    });
    for (const [i, task] of plan.phases[0]!.tasks.entries()) {
      reporter.event({ type: "task-started", taskId: task.id, at: now });
      now += 10_000;
      reporter.event({
        type: "task-committed",
        taskId: task.id,
        sha: (i + 1).toString(16).padStart(40, "0"),
        durationMs: 10_000,
        attempts: 1,
        at: now,
      });
      await reporter.flush(); // each task lands after the interval: no coalescing at all
    }
    const perTask = github.requests.length / 20;
    expect(perTask).toBeLessThanOrEqual(3);
  });
});

describe("task tables and annotations", () => {
  it("finds files named by compilers and test runners, not dependencies", () => {
    const out = [
      "src/a.ts(12,5): error TS2322: nope",
      "  ./test/b.test.ts:3:7  error  no-unused-vars",
      "node_modules/x/index.js:1:1 boom",
      "src/a.ts(12,5): error TS2322: again",
      "see https://example.com:443/x",
    ].join("\n");
    expect(annotationsFromOutput(out).map((a) => [a.path, a.startLine])).toEqual([
      ["src/a.ts", 12],
      ["test/b.test.ts", 3],
    ]);
    expect(
      annotationsFromOutput(Array.from({ length: 80 }, (_, i) => `f${i}.ts:1:1 x`).join("\n")),
    ).toHaveLength(50);
  });

  it("escapes pipes and HTML in titles", () => {
    const plan = planSchema.parse({
      version: 1,
      id: "1-x",
      title: "x",
      request: "x",
      phases: [{ id: "p", tasks: [{ id: "t", title: "a | <script>", run: "true" }] }],
    });
    const table = renderTaskTable({
      planId: "1-x",
      rows: [
        {
          id: "t",
          title: plan.phases[0]!.tasks[0]!.title,
          status: "pending",
          attempts: 0,
          durationMs: 0,
          usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
        },
      ],
      head: "h",
      startedAt: 0,
      usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
      durationMs: 0,
      next: [],
    });
    expect(table).toContain("a \\| &lt;script&gt;");
  });

  it("coalesces plan check updates: a burst of commits makes one re-creation, task check runs are never dropped", async () => {
    const github = new FakeGitHub("unused");
    github.mountNock();
    const gateway = createGateway(new Octokit({ auth: "t", request: { retries: 0 } }), {
      owner: "o",
      repo: "r",
    });
    const plan = bigPlan(6);
    const reporter = new CheckRunReporter({ plan, gateway, head: "a".repeat(40), intervalMs: 10_000 });
    reporter.event({ type: "run-started", planId: plan.id, tasks: 6, done: 0, at: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the first update goes out at once
    for (const [i, task] of plan.phases[0]!.tasks.entries()) {
      reporter.event({
        type: "task-committed",
        taskId: task.id,
        sha: (i + 1).toString(16).padStart(40, "0"),
        durationMs: 5,
        attempts: 1,
        at: Date.now(),
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 50)); // within the interval: nothing more yet
    expect(github.runs("planwright")).toHaveLength(1);
    await reporter.flush();
    const plans = github.runs("planwright");
    expect(plans).toHaveLength(2);
    expect(plans[1]!.head_sha).toBe((6).toString(16).padStart(40, "0"));
    expect(plans[0]).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(github.checkRuns.filter((r) => r.name.startsWith("planwright / "))).toHaveLength(6);
  });
});
