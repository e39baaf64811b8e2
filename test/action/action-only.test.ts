/**
 * Action-only mode (`command: auto`): the event decides, permission is asked from GitHub, bots and
 * readers are ignored, an approval executes only once the policy holds.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { routeEvent } from "../../src/action/event-router.js";
import type { ActionContext } from "../../src/action/inputs.js";
import { run } from "../../src/action/main.js";
import { DEFAULT_CONFIG, configSchema } from "../../src/config.js";
import { createGateway } from "../../src/github/octokit-gateway.js";
import { FakeGitHub } from "./fake-github.js";
import { harness, plan, withEnv, type Harness } from "./harness.js";

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());

let open: Harness[] = [];
afterEach(async () => {
  nock.cleanAll();
  for (const h of open) await h.cleanup();
  open = [];
});

function context(eventName: string, event: Record<string, unknown>): ActionContext {
  return {
    owner: "o",
    repo: "r",
    apiUrl: "https://api.github.com",
    serverUrl: "https://github.com",
    eventName,
    event,
    workspace: ".",
  };
}

const comment = (body: string, login = "alice", type = "User", pr = true) => ({
  action: "created",
  issue: { number: 5, ...(pr ? { pull_request: { url: "x" } } : {}) },
  comment: { id: 77, body, user: { login, type } },
});

describe("routeEvent", () => {
  const github = new FakeGitHub("unused");
  github.permissions.set("alice", "write");
  github.permissions.set("rita", "read");
  const gateway = () =>
    createGateway(new Octokit({ auth: "t", request: { retries: 0 } }), { owner: "o", repo: "r" });

  it("maps slash commands from people with enough permission", async () => {
    github.mountNock();
    const route = (e: Record<string, unknown>, name = "issue_comment") =>
      routeEvent(context(name, e), gateway(), DEFAULT_CONFIG);
    expect(await route(comment("/execute"))).toEqual({
      kind: "run",
      command: "execute",
      pr: 5,
      commentId: 77,
    });
    expect(await route(comment("please\n/retry fix-b"))).toMatchObject({
      kind: "run",
      command: "retry",
      task: "fix-b",
    });
    expect(await route(comment("/rollback"))).toMatchObject({ kind: "run", command: "rollback", pr: 5 });
    expect(await route(comment("/plan add 2FA", "alice", "User", false))).toMatchObject({
      kind: "plan",
      issue: 5,
      request: "add 2FA",
    });
    expect(await route(comment("/execute", "rita"))).toMatchObject({
      kind: "ignore",
      reason: expect.stringMatching(/rita has read permission/),
    });
    expect(await route(comment("/execute", "planwright[bot]", "Bot"))).toMatchObject({ kind: "ignore" });
    expect(await route(comment("> /execute"))).toMatchObject({ kind: "ignore" });
    expect(await route(comment("/execute", "alice", "User", false))).toMatchObject({
      kind: "ignore",
      reason: expect.stringMatching(/is an issue/),
    });
    expect(
      await route(
        { action: "submitted", review: { state: "approved" }, pull_request: { number: 5 } },
        "pull_request_review",
      ),
    ).toEqual({ kind: "approval", pr: 5 });
    expect(
      await route(
        { action: "submitted", review: { state: "commented" }, pull_request: { number: 5 } },
        "pull_request_review",
      ),
    ).toMatchObject({ kind: "ignore" });
    expect(
      await route(
        {
          action: "requested_action",
          requested_action: { identifier: "continue" },
          check_run: { pull_requests: [{ number: 5 }] },
        },
        "check_run",
      ),
    ).toEqual({ kind: "run", command: "continue", pr: 5 });
    const manual = configSchema.parse({ execution: { auto_execute: false } });
    expect(
      await routeEvent(
        context("pull_request_review", {
          action: "submitted",
          review: { state: "APPROVED" },
          pull_request: { number: 5 },
        }),
        gateway(),
        manual,
      ),
    ).toMatchObject({ kind: "ignore" });
    expect(github.violations).toEqual([]);
  });
});

describe("Action-only runs", () => {
  const threeTasks = plan([
    { id: "p", tasks: [{ id: "write-a", title: "Write a", write: { path: "a.txt", content: "a\n" } }] },
  ]);

  async function setup(): Promise<Harness> {
    const h = await harness(threeTasks);
    open.push(h);
    h.github.mountNock();
    return h;
  }

  async function event(h: Harness, name: string, payload: unknown): Promise<Record<string, string>> {
    const file = join(h.dir, "..", "event-payload.json");
    await writeFile(file, JSON.stringify(payload));
    return h.env({}, { GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: file });
  }

  it("/execute in a PR comment runs the plan and acknowledges the comment", async () => {
    const h = await setup();
    await h.approve();
    await withEnv(await event(h, "issue_comment", comment("/execute")), () => run({ checkIntervalMs: 0 }));
    expect((await h.outputs()).status).toBe("succeeded");
    expect(h.github.reactions).toEqual([{ commentId: 77, content: "eyes" }]);
    expect(await h.branchLog()).toEqual(["Write a|write-a|"]);
  });

  it("an approval that does not satisfy the policy yet only updates the status comment", async () => {
    const h = await setup();
    h.github.permissions.set("rita", "read");
    h.github.reviews.push({ id: 3, login: "rita", state: "APPROVED", commit: h.approved });
    const payload = { action: "submitted", review: { state: "approved" }, pull_request: { number: 5 } };
    const code = await withEnv(await event(h, "pull_request_review", payload), () =>
      run({ checkIntervalMs: 0 }),
    );
    expect(code).toBe(0);
    expect((await h.outputs()).status).toBe("skipped");
    expect(h.github.comments[0]?.body).toMatch(/Awaiting approval/);
    expect(h.github.checkRuns).toEqual([]);
    expect(await h.branchLog()).toEqual([]);
  });

  it("a comment from a reader does nothing", async () => {
    const h = await setup();
    h.github.permissions.set("rita", "read");
    await withEnv(await event(h, "issue_comment", comment("/execute", "rita")), () => run());
    expect((await h.outputs()).status).toBe("skipped");
    expect(h.github.writes()).toEqual([]);
  });

  it("/plan on an issue needs the Anthropic key and says so in one line", async () => {
    const h = await setup();
    h.github.permissions.set("alice", "write");
    const code = await withEnv(
      await event(h, "issue_comment", comment("/plan add 2FA", "alice", "User", false)),
      () => run(),
    );
    expect(code).toBe(1);
    expect((await h.outputs()).status).toBe("failed");
  });
});
