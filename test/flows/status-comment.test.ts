import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/engine/ports.js";
import { CancelledError } from "../../src/errors.js";
import {
  alreadyAnswered,
  findRequestMarker,
  findStatusMarker,
  requestMarker,
  statusMarker,
} from "../../src/flows/markers.js";
import { createStatusReporter, flushStatus, postStatus } from "../../src/flows/report-status.js";
import {
  formatCost,
  formatDuration,
  nextCommands,
  PLAN_STATES,
  renderStatusComment,
  type StatusTask,
} from "../../src/flows/status-comment.js";
import { createGateway } from "../../src/github/octokit-gateway.js";
import { checkAllRequests } from "../helpers/openapi.js";

const API = "https://api.github.com";
const TOKEN = `ghp_${"A1b2C3d4E5".repeat(4)}`;

const gateway = () =>
  createGateway(new Octokit({ auth: "test-token", request: { retries: 0 } }), { owner: "o", repo: "r" });

function tasks(n: number, status: StatusTask["status"] = "done"): StatusTask[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `task-${i + 1}`,
    title: `Task number ${i + 1}`,
    status,
    durationMs: 61_000,
    costUsd: 0.031,
    commit: `${String(i).padStart(4, "0")}abcdef0123456789abcdef0123456789ab`,
  }));
}

describe("markers", () => {
  it("round-trips the status and request markers", () => {
    expect(statusMarker("42-add-2fa")).toBe("<!-- planwright:status plan=42-add-2fa -->");
    expect(requestMarker(123456789)).toBe("<!-- planwright:request comment=123456789 -->");
    const body = `hello\n${statusMarker("42-add-2fa")}\n${requestMarker(99)}`;
    expect(findStatusMarker(body)).toBe("42-add-2fa");
    expect(findRequestMarker(body)).toBe(99);
    expect(findStatusMarker("no marker")).toBeUndefined();
    expect(findRequestMarker("<!-- planwright:request comment=abc -->")).toBeUndefined();
  });

  it("refuses ids that could break out of the HTML comment", () => {
    expect(() => statusMarker("x --><img src=x>")).toThrow(/not a plan id/);
    expect(() => requestMarker(-1)).toThrow(/not a comment id/);
    expect(() => requestMarker(1.5)).toThrow(/not a comment id/);
  });

  it("trusts request markers only in our own comments", () => {
    const comments = [
      { body: requestMarker(7), user: { login: "mallory" } },
      { body: `done ${requestMarker(8)}`, user: { login: "planwright[bot]" } },
    ];
    expect(alreadyAnswered(comments, 7, ["planwright[bot]"])).toBe(false);
    expect(alreadyAnswered(comments, 8, ["Planwright[bot]"])).toBe(true);
  });
});

describe("renderStatusComment", () => {
  it.each(PLAN_STATES)("always ends with next commands and the marker (%s)", (state) => {
    const body = renderStatusComment({ planId: "42-add-2fa", state });
    expect(body).toContain("**Next:**\n- `/");
    expect(body.trimEnd().endsWith(statusMarker("42-add-2fa"))).toBe(true);
    expect(nextCommands({ planId: "p", state }).length).toBeGreaterThan(0);
  });

  it("shows a failure with the exact commands to recover", () => {
    const body = renderStatusComment({
      planId: "42-add-2fa",
      state: "failed",
      title: "Add two-factor authentication",
      pull: 12,
      tasks: [
        {
          id: "add-otp-lib",
          title: "Install",
          status: "done",
          durationMs: 5_000,
          costUsd: 0,
          commit: "abcdef1234",
        },
        { id: "totp-service", title: "TOTP service", status: "failed", durationMs: 754_000, costUsd: 0.4 },
        { id: "docs", title: "Docs", status: "pending" },
      ],
      costUsd: 0.4,
      durationMs: 759_000,
      failure: { task: "totp-service", reason: "verification failed 3 times: npm test exited with 1" },
      requestCommentId: 555,
    });
    expect(body).toContain("### Planwright: ❌ Failed");
    expect(body).toContain("Plan `42-add-2fa` — Add two-factor authentication · #12");
    expect(body).toContain("1 of 3 tasks done · cost $0.40 · duration 12m 39s");
    expect(body).toContain(
      "**Why it failed:** task `totp-service`: verification failed 3 times: npm test exited with 1",
    );
    expect(body).toContain("| `add-otp-lib` Install | ✅ done | 5s | $0.00 | `abcdef1` |");
    expect(body).toContain("| `docs` Docs | ⏳ pending | — | — | — |");
    expect(body).toContain("- `/retry totp-service` — try again");
    expect(body).toContain("- `/skip totp-service` — skip it and go on");
    expect(body).toContain("- `/rollback` — revert what was done");
    expect(body).toContain(requestMarker(555));
  });

  it("names the task to skip while waiting and to roll back when done", () => {
    const waiting = nextCommands({
      planId: "p",
      state: "waiting",
      waiting: { task: "deploy", reason: "checkpoint" },
    });
    expect(waiting.map((n) => n.command)).toEqual(["/continue", "/skip deploy", "/cancel"]);
    const done = nextCommands({ planId: "p", state: "done", tasks: tasks(3) });
    expect(done.map((n) => n.command)).toEqual(["/rollback", "/rollback task-3"]);
    const custom = nextCommands({ planId: "p", state: "done", next: [{ command: "/status", does: "x" }] });
    expect(custom.map((n) => n.command)).toEqual(["/status"]);
  });

  it("redacts secrets and neutralises mentions and HTML from untrusted text", () => {
    const body = renderStatusComment({
      planId: "p-1",
      state: "failed",
      title: "@everyone <img src=x onerror=alert(1)>",
      failure: { reason: `push failed: https://x-access-token:${TOKEN}@github.com/o/r | token ${TOKEN}` },
      approval: "approved by @alice",
    });
    expect(body).not.toContain(TOKEN);
    expect(body).toContain("\\[redacted\\]");
    expect(body).not.toContain("<img");
    expect(body).not.toMatch(/@everyone|@alice/);
    expect(body).toContain("&lt;img");
  });

  it("uses the redactor it is given", () => {
    const body = renderStatusComment(
      { planId: "p-1", state: "failed", failure: { reason: "the password is hunter22secret" } },
      (text) => text.replaceAll("hunter22secret", "[redacted]"),
    );
    expect(body).toContain("the password is \\[redacted\\]");
  });

  it("stays under GitHub's comment limit for a 500-task plan and keeps failing tasks visible", () => {
    const list = tasks(500);
    list[420] = { ...list[420]!, status: "failed" };
    const body = renderStatusComment({ planId: "p-1", state: "failed", tasks: list });
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain("`task-421`");
    expect(body).toContain("_…and 350 more tasks (350 done)._");
    expect(body).toContain("- `/retry task-421`");
  });

  it("formats durations and costs", () => {
    expect([0, 42_000, 725_000, 3_720_000].map(formatDuration)).toEqual(["0s", "42s", "12m 5s", "1h 2m"]);
    expect([0, 0.001, 0.4, 12.345].map(formatCost)).toEqual(["$0.00", "<$0.01", "$0.40", "$12.35"]);
  });
});

/** A clock that moves only when told to; sleepers wake when time passes their deadline. */
function fakeClock(start = 1_000_000): Clock & { advance(ms: number): Promise<void> } {
  let now = start;
  let sleepers: { at: number; resolve: () => void }[] = [];
  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        const entry = { at: now + ms, resolve };
        sleepers.push(entry);
        signal?.addEventListener("abort", () => {
          sleepers = sleepers.filter((s) => s !== entry);
          reject(new CancelledError());
        });
      });
    },
    async advance(ms) {
      now += ms;
      const due = sleepers.filter((s) => s.at <= now);
      sleepers = sleepers.filter((s) => s.at > now);
      for (const s of due) s.resolve();
      await new Promise((r) => setImmediate(r));
    },
  };
}

/** A stateful comments endpoint: one issue's comments, created and edited through the real gateway. */
function commentsApi(issue: number) {
  const comments: { id: number; body: string; user: { login: string; type: string } }[] = [];
  let writes = 0;
  const scope = nock(API)
    .persist()
    .get(`/repos/o/r/issues/${issue}/comments`)
    .query(true)
    .reply(200, () => comments)
    .post(`/repos/o/r/issues/${issue}/comments`)
    .reply(201, async (req: Request) => {
      writes++;
      const { body } = (await req.json()) as { body: string };
      const comment = { id: 1000 + comments.length, body, user: { login: "planwright[bot]", type: "Bot" } };
      comments.push(comment);
      return comment;
    })
    .patch(/\/repos\/o\/r\/issues\/comments\/\d+$/)
    .reply(200, async (req: Request) => {
      writes++;
      const id = Number(new URL(req.url).pathname.split("/").pop());
      const comment = comments.find((c) => c.id === id)!;
      comment.body = ((await req.json()) as { body: string }).body;
      return comment;
    });
  return { scope, comments, writes: () => writes };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe("status reporting", () => {
  it("coalesces a 100-task run into few writes of one comment, last state wins", async () => {
    const api = commentsApi(7);
    const check = checkAllRequests(api.scope);
    const clock = fakeClock();
    const reporter = createStatusReporter(gateway(), 7, "42-add-2fa", { clock, intervalMs: 15_000 });
    const list = tasks(100, "pending");
    let updates = 0;
    for (let i = 0; i < list.length; i++) {
      list[i] = { ...list[i]!, status: "running" };
      await reporter.post({ planId: "42-add-2fa", state: "executing", tasks: [...list] });
      await clock.advance(2_000);
      list[i] = { ...list[i]!, status: "done" };
      await reporter.post({ planId: "42-add-2fa", state: "executing", tasks: [...list] });
      await clock.advance(1_000);
      updates += 2;
    }
    await reporter.post({ planId: "42-add-2fa", state: "done", tasks: list, durationMs: 300_000 });
    await reporter.flush();
    // 300 simulated seconds at one write per 15 s: at most 21 writes for 201 updates.
    expect(updates + 1).toBe(201);
    expect(api.writes()).toBe(reporter.writes);
    expect(reporter.writes).toBeLessThanOrEqual(22);
    expect(reporter.writes).toBeGreaterThanOrEqual(19);
    expect(api.comments).toHaveLength(1);
    expect(api.comments[0]!.body).toContain("### Planwright: ✅ Done");
    expect(api.comments[0]!.body).toContain("100 of 100 tasks done");
    check.assertValid();
  });

  it("writes a burst at one instant once now and once at the flush", async () => {
    const api = commentsApi(8);
    const clock = fakeClock();
    const reporter = createStatusReporter(gateway(), 8, "p-1", { clock, intervalMs: 10_000 });
    for (let i = 0; i < 50; i++) await reporter.post({ planId: "p-1", state: "executing", costUsd: i });
    expect(reporter.writes).toBe(1);
    await reporter.flush();
    expect(reporter.writes).toBe(2);
    expect(api.comments[0]!.body).toContain("cost $49.00");
    await reporter.flush();
    expect(reporter.writes).toBe(2);
  });

  it("writes a deferred state when the interval has passed, without a flush", async () => {
    const api = commentsApi(9);
    const clock = fakeClock();
    const reporter = createStatusReporter(gateway(), 9, "p-1", { clock, intervalMs: 10_000 });
    await reporter.post({ planId: "p-1", state: "executing" });
    await reporter.post({ planId: "p-1", state: "waiting", waiting: { reason: "checkpoint" } });
    expect(api.writes()).toBe(1);
    await clock.advance(10_000);
    await reporter.flush();
    expect(api.writes()).toBe(2);
    expect(api.comments[0]!.body).toContain("⏸️ Waiting");
  });

  it("postStatus coalesces per gateway, and flushStatus reports a failed write", async () => {
    const api = commentsApi(10);
    const clock = fakeClock();
    const gw = gateway();
    await postStatus(gw, 10, "p-2", { state: "planning" }, { clock, intervalMs: 60_000 });
    await postStatus(gw, 10, "p-2", { state: "awaiting approval", approval: "0 of 1 approval" });
    expect(api.writes()).toBe(1);
    await flushStatus(gw);
    expect(api.writes()).toBe(2);
    expect(api.comments[0]!.body).toContain("**Approval:** 0 of 1 approval");
    nock.cleanAll();

    const failing = nock(API)
      .get("/repos/o/r/issues/11/comments")
      .query(true)
      .reply(502, { message: "Bad Gateway" });
    const gw2 = gateway();
    await expect(postStatus(gw2, 11, "p-3", { state: "done" }, { clock })).resolves.toBeUndefined();
    await expect(flushStatus(gw2)).rejects.toMatchObject({ failureClass: "transient" });
    failing.done();
  });
});
