/* eslint-disable @typescript-eslint/no-explicit-any -- plan data edited freely as the model would */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { createModelClient } from "../../src/llm/client.js";
import { applySuggestions, formatSuggestion, type Suggestion } from "../../src/llm/plan-suggestions.js";
import { revisePlan, suggestPlanChanges, summarizeChanges } from "../../src/llm/reviser.js";
import { loadPlan } from "../../src/plan/load-plan.js";
import type { Plan } from "../../src/plan/schema.js";
import { startFakeMessagesServer, type FakeMessagesServer } from "./fake-messages-server.js";

const PLAN_FILE = fileURLToPath(new URL("../../examples/plans/two-factor-auth.yaml", import.meta.url));
const PLAN_TEXT = readFileSync(PLAN_FILE, "utf8");
const plan = loadPlan(PLAN_TEXT).plan as Plan;

/** The example plan as the model would send it back (without the fields Planwright fills in). */
function modelCopy(): Record<string, any> {
  const data = parse(PLAN_TEXT) as Record<string, any>;
  for (const key of ["version", "id", "request", "issue", "base"]) delete data[key];
  return data;
}

let server: FakeMessagesServer;
beforeEach(async () => {
  server = await startFakeMessagesServer();
});
afterEach(async () => {
  await server.close();
});
const client = () =>
  createModelClient({
    apiKey: "sk-ant-test-000",
    baseURL: server.url,
    model: "claude-sonnet-4-6",
    maxRetries: 0,
  });
const answer = (name: string, input: unknown) => ({ content: [{ type: "tool_use" as const, name, input }] });

describe("revisePlan", () => {
  it("revises the plan from review comments and summarises the changes for the PR", async () => {
    const revised = modelCopy();
    const tasks = revised.phases[1].tasks;
    revised.phases[1].tasks = tasks.filter((t: { id: string }) => t.id !== "docs");
    tasks[0].edit.instructions = "Return a `totp_required` challenge; accept the code within 30 seconds.";
    revised.phases[0].tasks.push({
      id: "totp-tests",
      title: "TOTP edge-case tests",
      needs: ["totp-service"],
      edit: { files: ["test/auth/totp-edge.test.ts"], instructions: "Test clock drift of one step." },
    });
    server.enqueue(answer("submit_revision", { plan: revised, notes: "Split tests out; docs dropped." }));
    const result = await revisePlan(
      {
        plan,
        reviews: [{ author: "lead", body: "Docs can wait for a later PR." }],
        comments: [
          {
            author: "sec",
            path: ".planwright/plans/42-add-2fa.yaml",
            line: 54,
            body: "Limit the code's validity.",
          },
        ],
      },
      { client: client() },
    );
    expect(result.plan.id).toBe("42-add-2fa");
    expect(result.plan.issue).toBe(42);
    expect(result.summary.added).toEqual(["totp-tests"]);
    expect(result.summary.removed).toEqual(["docs"]);
    expect(result.summary.changed).toEqual(["login-step"]);
    expect(result.summary.text).toBe(
      "- **Added** (1): `totp-tests`\n- **Removed** (1): `docs`\n- **Changed** (1): `login-step`",
    );
    expect(result.notes).toBe("Split tests out; docs dropped.");
    expect(loadPlan(result.yaml).plan?.phases[0]?.tasks.map((t) => t.id)).toEqual([
      "add-otp-lib",
      "totp-service",
      "totp-tests",
    ]);
    const [planBlock, reviewBlock] = server.requests[0]!.body.messages[0].content;
    expect(planBlock.text).toMatch(/\n {3}3 {2}version: 1\n/);
    expect(reviewBlock.text).toContain(
      'source="inline comment by @sec on .planwright/plans/42-add-2fa.yaml line 54"',
    );
    expect(reviewBlock.text).toContain('source="review by @lead"');
  });

  it("repairs an invalid revision, then fails clearly when it stays invalid", async () => {
    const bad = modelCopy();
    bad.phases[0].tasks[1].needs = ["nowhere"];
    server.enqueue(
      answer("submit_revision", { plan: bad, notes: "" }),
      answer("submit_revision", { plan: modelCopy(), notes: "ok" }),
    );
    const ok = await revisePlan(
      { plan, planText: PLAN_TEXT, instruction: "no change" },
      { client: client() },
    );
    expect(server.requests[0]!.body.messages[0].content[0].text).toMatch(/\n {3}2 {2}version: 1\n/);
    expect(ok.attempts).toBe(2);
    expect(ok.summary.text).toBe("- No changes");
    const repair = server.requests[1]!.body.messages.at(-1).content[0];
    expect(repair.content).toMatch(/plan\.yaml:\d+:\d+: error: .*nowhere/);
    expect(repair.content).toContain("call submit_revision again");

    server.enqueue(
      answer("submit_revision", { plan: bad, notes: "" }),
      answer("submit_revision", { plan: bad, notes: "" }),
    );
    const error = await revisePlan({ plan, instruction: "x" }, { client: client(), maxRepairs: 1 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(
      /^the revised plan is still invalid after 1 repair turn\(s\):\nplan\.yaml:\d+:\d+: error: .*nowhere/,
    );
  });
});

describe("review modes", () => {
  const suggestions: Suggestion[] = [
    {
      kind: "split_task",
      task_id: "totp-service",
      rationale: "Service and tests are two concerns.",
      into: [
        {
          id: "totp-core",
          title: "TOTP core",
          edit: { files: ["src/auth/totp.ts"], instructions: "Implement." },
        },
        {
          id: "totp-unit",
          title: "TOTP tests",
          needs: ["totp-core"],
          edit: { files: ["test/auth/totp.test.ts"], instructions: "Test." },
        },
      ],
    },
    {
      kind: "update_task",
      task_id: "settings-page",
      changes: { title: "Enable and disable 2FA" },
      rationale: "Clearer.",
    },
    { kind: "set_needs", task_id: "docs", needs: ["missing-task"], rationale: "Broken on purpose." },
    {
      kind: "add_task",
      phase_id: "nope",
      task: { id: "x", title: "X", run: "npm test" },
      rationale: "No such phase.",
    },
  ];

  it("returns suggestions from the forced tool, in the requested mode", async () => {
    server.enqueue(answer("submit_suggestions", { suggestions: [...suggestions, { kind: "bogus" }] }));
    const { suggestions: got } = await suggestPlanChanges({ plan, mode: "split" }, { client: client() });
    expect(got).toEqual(suggestions);
    expect(server.requests[0]!.body.messages[0].content[1].text).toContain("Suggest splitting large tasks");
    expect(formatSuggestion(got[0]!, 1)).toBe(
      "1. split totp-service into totp-core, totp-unit: Service and tests are two concerns.",
    );
  });

  it("applies a selection: a split rewires dependents, skipped ones say why, bad ones fail validation", () => {
    const out = applySuggestions(plan, suggestions, [1, 2, 4]);
    expect(out.applied).toEqual([1, 2]);
    expect(out.skipped).toEqual([{ n: 4, reason: "no phase nope" }]);
    expect(out.plan).toBeDefined();
    const tasks = out.plan!.phases.flatMap((p) => p.tasks);
    expect(tasks.find((t) => t.id === "totp-core")?.needs).toEqual(["add-otp-lib"]);
    expect(tasks.find((t) => t.id === "login-step")?.needs).toEqual(["totp-unit"]);
    expect(tasks.find((t) => t.id === "settings-page")?.title).toBe("Enable and disable 2FA");
    expect(summarizeChanges(plan, out.plan!).removed).toEqual(["totp-service"]);

    const broken = applySuggestions(plan, suggestions, [3]);
    expect(broken.plan).toBeUndefined();
    expect(broken.diagnostics.some((d) => d.severity === "error" && d.message.includes("missing-task"))).toBe(
      true,
    );
  });
});
