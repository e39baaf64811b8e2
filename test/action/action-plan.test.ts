/**
 * Action-only `/plan`, the whole way: the Action's run() on an `issue_comment` event, the REAL
 * Anthropic SDK pointed at the fake Messages server through ANTHROPIC_BASE_URL, and the fake
 * GitHub (every request checked against GitHub's OpenAPI description) whose git data endpoints
 * write real objects into the bare repository: plan -> branch -> PR -> labels -> check run ->
 * status comment, as the App does it.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/action/main.js";
import { findRequestMarker, findStatusMarker } from "../../src/flows/markers.js";
import { loadPlan } from "../../src/plan/load-plan.js";
import { PLAN_ANSWER } from "../flows/plan-flow-github.js";
import { startFakeMessagesServer, type FakeMessagesServer } from "../llm/fake-messages-server.js";
import { harness, issueCommentEvent, plan, withEnv, type Harness } from "./harness.js";

const BRANCH = "planwright/42-add-2fa";
const PLAN_FILE = ".planwright/plans/42-add-2fa.yaml";
const ALICE = { login: "alice", type: "User" };
const COMMENT_ID = 4242;

let server: FakeMessagesServer;
let open: Harness[] = [];

beforeAll(() => {
  nock.disableNetConnect();
  // the fake Messages server is local; api.github.com goes to the fake through nock
  nock.enableNetConnect((host) => host.startsWith("127.0.0.1"));
});
afterAll(() => nock.enableNetConnect());
beforeEach(async () => {
  server = await startFakeMessagesServer();
});
afterEach(async () => {
  nock.cleanAll();
  await server.close();
  for (const h of open) await h.cleanup();
  open = [];
});

async function setup(): Promise<{ h: Harness; env: Record<string, string> }> {
  const h = await harness(plan([{ id: "p", tasks: [{ id: "a", title: "A", run: "true" }] }]), {
    "src/auth/login.ts":
      "export function login(user: string, password: string) {\n  return user && password;\n}\n",
  });
  open.push(h);
  h.github.mountNock();
  h.github.permissions.set("alice", "write");
  h.github.comments.push({ id: COMMENT_ID, body: "/plan add 2FA", user: ALICE, issue: 42 });
  const event = join(h.dir, "..", "plan-event.json");
  await writeFile(event, JSON.stringify(issueCommentEvent("/plan add 2FA", COMMENT_ID)));
  const env = await h.env(
    { "anthropic-api-key": "sk-ant-test-000000" },
    {
      GITHUB_EVENT_NAME: "issue_comment",
      GITHUB_EVENT_PATH: event,
      ANTHROPIC_BASE_URL: server.url,
    },
  );
  return { h, env };
}

const bare = (h: Harness, ...args: string[]) => h.repo.git("--git-dir", h.repo.remote, ...args);

describe("Action-only /plan", () => {
  it("plans, commits the plan file on a new branch, opens the labelled PR with its check, and reports", async () => {
    const { h, env } = await setup();
    server.enqueue({ content: [{ type: "tool_use", name: "submit_plan", input: PLAN_ANSWER }] });

    const code = await withEnv(env, () => run());

    expect(code).toBe(0);
    expect(server.requests).toHaveLength(1);
    // the key of the input reached the fake Messages API, the one ANTHROPIC_BASE_URL names
    expect(server.requests[0]?.headers["authorization"]).toBe("Bearer sk-ant-test-000000");
    // one real commit on top of main holding exactly the plan file
    const main = await bare(h, "rev-parse", "refs/heads/main");
    const head = await bare(h, "rev-parse", `refs/heads/${BRANCH}`);
    expect(await bare(h, "rev-list", `${main}..${head}`)).toBe(head);
    expect(await bare(h, "rev-parse", `${head}^`)).toBe(main);
    expect(await bare(h, "diff-tree", "--no-commit-id", "--name-only", "-r", main, head)).toBe(PLAN_FILE);
    const loaded = loadPlan(await bare(h, "show", `${head}:${PLAN_FILE}`));
    expect(loaded.plan?.id).toBe("42-add-2fa");
    expect(loaded.plan?.base).toEqual({ ref: "main", sha: main });
    expect(loaded.plan?.phases[0]?.tasks.map((t) => t.id)).toEqual(["totp-service", "login-step"]);

    // the PR, its labels and its check run
    expect(h.github.opened).toHaveLength(1);
    const pull = h.github.opened[0]!;
    expect(pull).toMatchObject({ number: 6, head: BRANCH, base: "main" });
    expect(pull.title).toBe("Plan: Add two-factor authentication (#42)");
    expect(pull.body).toContain("Refs #42");
    expect(findRequestMarker(pull.body)).toBe(COMMENT_ID);
    expect(h.github.labels.get(6)?.[0]).toBe("planwright");
    expect(h.github.labels.get(6)?.[1]).toMatch(/^risk:(low|medium|high|critical)$/);
    expect(h.github.checkRuns).toEqual([
      expect.objectContaining({
        name: "planwright",
        head_sha: head,
        status: "completed",
        conclusion: "action_required",
        output: expect.objectContaining({ title: "awaiting approval" }),
      }),
    ]);

    // the status comment on the issue, and the step's outputs
    const ours = h.github.comments.filter((c) => c.issue === 42 && c.user.type === "Bot");
    expect(ours).toHaveLength(1);
    expect(findStatusMarker(ours[0]!.body)).toBe("42-add-2fa");
    expect(ours[0]!.body).toContain("Awaiting approval");
    expect(ours[0]!.body).toContain("#6");
    expect(await h.outputs()).toMatchObject({ status: "succeeded", pr: "6" });
    expect(h.github.violations).toEqual([]);

    const calls = h.github.requests.filter((r) => !r.path.includes("/contents/"));
    console.log(
      `Action /plan: ${calls.length} GitHub requests besides ${h.github.requests.length - calls.length} file reads`,
    );
  });

  it("a second delivery of the same comment opens nothing more", async () => {
    const { h, env } = await setup();
    server.enqueue({ content: [{ type: "tool_use", name: "submit_plan", input: PLAN_ANSWER }] });
    await withEnv(env, () => run());
    const head = await bare(h, "rev-parse", `refs/heads/${BRANCH}`);

    const code = await withEnv(env, () => run());

    expect(code).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(h.github.opened).toHaveLength(1);
    expect(await bare(h, "rev-parse", `refs/heads/${BRANCH}`)).toBe(head);
    expect(h.github.comments.filter((c) => c.issue === 42 && c.user.type === "Bot")).toHaveLength(1);
    expect(h.github.violations).toEqual([]);
  });

  it("a malformed ANTHROPIC_BASE_URL fails the step with one line naming it", async () => {
    const { h, env } = await setup();
    const code = await withEnv({ ...env, ANTHROPIC_BASE_URL: "ftp://user:pw@proxy" }, () => run());
    expect(code).toBe(1);
    expect(await h.outputs()).toMatchObject({ status: "failed" });
    expect(server.requests).toEqual([]);
    expect(h.github.requests).toEqual([]);
  });
});
