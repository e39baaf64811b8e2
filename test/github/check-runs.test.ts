import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_OUTPUT_CHARS, truncateHead, truncateTail } from "../../src/github/check-run-limits.js";
import type { CheckAnnotation } from "../../src/github/gateway.js";
import { mockGitHub } from "../helpers/github-nock.js";

afterEach(() => {
  nock.cleanAll();
});

const SHA = "a".repeat(40);
const run = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  name: "planwright",
  head_sha: SHA,
  status: "in_progress",
  conclusion: null,
  external_id: "7-x",
  ...extra,
});
const annotations = (count: number): CheckAnnotation[] =>
  Array.from({ length: count }, (_, i) => ({
    path: "src/a.ts",
    startLine: i + 1,
    endLine: i + 1,
    level: "warning",
    message: `note ${i}`,
  }));

type Body = {
  output?: { summary?: string; text?: string; title?: string; annotations?: { message: string }[] };
};

describe("truncation helpers", () => {
  it("keeps the tail of long text with a note of what was omitted", () => {
    const text = `${"x".repeat(70_000)}THE END`;
    const cut = truncateTail(text);
    expect(cut.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
    expect(cut.endsWith("THE END")).toBe(true);
    const omitted = Number(/^… (\d+) characters omitted\n\n/.exec(cut)?.[1]);
    expect(omitted + cut.length - cut.indexOf("\n\n") - 2).toBe(text.length);
    expect(truncateTail("short")).toBe("short");
  });

  it("never splits a surrogate pair", () => {
    const emoji = "😀".repeat(40_000);
    const tail = truncateTail(emoji);
    const body = tail.slice(tail.indexOf("\n\n") + 2);
    expect(body.codePointAt(0)).toBe(0x1f600);
    expect(truncateHead("ab😀c", 4)).toBe("ab…");
    expect(truncateHead("Run the remaining tasks now", 20)).toBe("Run the remaining t…");
  });
});

describe("createCheckRun", () => {
  it("sends summary and text within the limit, tail kept, and returns the run", async () => {
    const gh = mockGitHub();
    gh.scope.post("/repos/o/r/check-runs").reply(201, run(1));
    const result = await gh.gateway.createCheckRun({
      name: "planwright",
      headSha: SHA,
      status: "in_progress",
      title: "Running",
      summary: `${"s".repeat(100_000)}summary end`,
      text: `${"t".repeat(80_000)}log end`,
      externalId: "7-x",
    });
    expect(result).toEqual({
      id: 1,
      name: "planwright",
      headSha: SHA,
      status: "in_progress",
      conclusion: null,
      externalId: "7-x",
    });
    const output = (gh.check.requests[0]?.body as Body).output;
    expect(output?.summary?.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
    expect(output?.summary?.endsWith("summary end")).toBe(true);
    expect(output?.text?.endsWith("log end")).toBe(true);
    expect(output?.text).toMatch(/^… \d+ characters omitted/);
    gh.done();
  });

  it("sends 50 annotations with the create and the rest in updates of 50", async () => {
    const gh = mockGitHub();
    gh.scope
      .post("/repos/o/r/check-runs")
      .reply(201, run(2))
      .patch("/repos/o/r/check-runs/2")
      .times(2)
      .reply(200, run(2));
    await gh.gateway.createCheckRun({
      name: "planwright / lint",
      headSha: SHA,
      status: "completed",
      conclusion: "failure",
      title: "Lint",
      summary: "120 problems",
      annotations: annotations(120),
    });
    const bodies = gh.check.requests.map((r) => r.body as Body);
    expect(gh.check.requests.map((r) => r.method)).toEqual(["POST", "PATCH", "PATCH"]);
    expect(bodies.map((b) => b.output?.annotations?.length)).toEqual([50, 50, 20]);
    expect(bodies[2]?.output?.annotations?.[19]?.message).toBe("note 119");
    // Every follow-up carries the output it belongs to (GitHub requires title and summary).
    expect(bodies.every((b) => b.output?.summary === "120 problems" && b.output?.title === "Lint")).toBe(
      true,
    );
    gh.done();
  });

  it("keeps actions within GitHub's limits and refuses a fourth", async () => {
    const gh = mockGitHub();
    gh.scope.post("/repos/o/r/check-runs").reply(201, run(3));
    const action = {
      label: "Continue with the next phase",
      identifier: "continue",
      description: "Run the tasks after the checkpoint and report back here",
    };
    const input = {
      name: "planwright",
      headSha: SHA,
      status: "completed" as const,
      conclusion: "action_required" as const,
    };
    await gh.gateway.createCheckRun({ ...input, title: "Paused", summary: "s", actions: [action] });
    expect((gh.check.requests[0]?.body as { actions?: unknown }).actions).toEqual([
      {
        label: "Continue with the n…",
        identifier: "continue",
        description: "Run the tasks after the checkpoint and …",
      },
    ]);
    await expect(
      gh.gateway.createCheckRun({
        ...input,
        title: "t",
        summary: "s",
        actions: [action, action, action, action],
      }),
    ).rejects.toThrow(/at most 3 actions, got 4/);
    await expect(
      gh.gateway.createCheckRun({
        ...input,
        title: "t",
        summary: "s",
        actions: [{ ...action, identifier: "x".repeat(21) }],
      }),
    ).rejects.toThrow(/identifier .* must be 1 to 20 characters/);
    gh.done();
  });
});

describe("updateCheckRun and findCheckRun", () => {
  it("updates status and conclusion without an output", async () => {
    const gh = mockGitHub();
    gh.scope
      .patch("/repos/o/r/check-runs/4", { status: "completed", conclusion: "success" })
      .reply(200, run(4, { status: "completed", conclusion: "success" }));
    await gh.gateway.updateCheckRun(4, { status: "completed", conclusion: "success" });
    gh.done();
  });

  it("fetches the shown summary when annotations come without one", async () => {
    const gh = mockGitHub();
    gh.scope
      .get("/repos/o/r/check-runs/4")
      .reply(200, run(4, { output: { title: "T", summary: "current summary" } }))
      .patch("/repos/o/r/check-runs/4")
      .times(2)
      .reply(200, run(4));
    await gh.gateway.updateCheckRun(4, { annotations: annotations(60) });
    const bodies = gh.check.requests.slice(1).map((r) => r.body as Body);
    expect(bodies.map((b) => [b.output?.summary, b.output?.annotations?.length])).toEqual([
      ["current summary", 50],
      ["current summary", 10],
    ]);
    gh.done();
  });

  it("finds the latest run by name on a commit, undefined when there is none", async () => {
    const gh = mockGitHub();
    gh.scope
      .get(`/repos/o/r/commits/${SHA}/check-runs`)
      .query({ check_name: "planwright", filter: "latest", per_page: "10" })
      .reply(200, { total_count: 1, check_runs: [run(9, { status: "completed", conclusion: "success" })] })
      .get(`/repos/o/r/commits/${SHA}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] });
    expect(await gh.gateway.findCheckRun(SHA, "planwright")).toMatchObject({ id: 9, conclusion: "success" });
    expect(await gh.gateway.findCheckRun(SHA, "planwright / lint")).toBeUndefined();
    gh.done();
  });
});
