import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findRequestMarker, findStatusMarker } from "../../src/flows/markers.js";
import { createApp } from "../../src/app/app.js";
import { BOT, newProbot, startHarness, testModel, type Harness } from "./app-harness.js";
import { ALICE, READER, REPO_FILES, commentPayload, planAnswer, submitPlan } from "./fixtures.js";

let h: Harness;

async function start(pullCreations = 1, files: Record<string, string> = REPO_FILES) {
  h = await startHarness(files, { pullCreations });
  h.github.permissions.set("alice", "write");
  h.github.permissions.set("reader", "read");
  h.github.issues.set(42, { title: "Two-factor login", body: "Users want 2FA.", user: ALICE });
}

afterEach(async () => {
  await h.close();
});

const botComments = (issue: number) =>
  h.github.comments.filter((c) => c.issue === issue && c.user.login === BOT.login);

/**
 * Requests of a /plan that are not reads of repository files for the model's context (the reader's
 * JSON reads of files and trees; Probot's config reads are raw and count).
 */
function planRequests(log: readonly string[]): string[] {
  return log.filter((line) => line.endsWith(" (raw)") || !/^GET \/(contents|git\/trees)\//.test(line));
}

const isReaction = (line: string) => /^POST \/issues\/comments\/\d+\/reactions$/.test(line);
/**
 * The requests in order, but for the 👀 reaction, which the webhook handler sends alongside the
 * job; comment ids as `<id>`.
 */
const inOrder = (lines: readonly string[]) =>
  lines.filter((line) => !isReaction(line)).map((line) => line.replace(/comments\/\d+$/, "comments/<id>"));

/** A /plan's requests once the token is cached and the config read, the 👀 reaction left out. */
const STEADY_PLAN = [
  "GET /collaborators/alice/permission",
  // Finds an earlier answer to this comment (idempotency) and the thread for the model.
  "GET /issues/42/comments",
  // The status comment, first: the request's record on GitHub while the model plans.
  "POST /issues/42/comments",
  // The default branch's head and tree in one read (the payload names the branch).
  "GET /commits",
  "POST /git/trees",
  "POST /git/commits",
  "POST /git/refs",
  "POST /pulls",
  "POST /issues/100/labels",
  "POST /check-runs",
  // The status comment again, now with the PR's link.
  "PATCH /issues/comments/<id>",
];

describe("/plan on an issue", () => {
  beforeEach(async () => {
    await start();
  });

  it("acknowledges at once, then plans, opens the PR and reports in one status comment", async () => {
    h.model.enqueue(submitPlan(planAnswer()));
    const comment = commentPayload("/plan add 2FA", ALICE);
    const ms = await h.deliver("issue_comment", comment);
    // The webhook is answered before the slow part: the model has not been asked yet.
    expect(h.model.requests).toHaveLength(0);
    expect(ms).toBeLessThan(5000);
    await h.app.idle();

    const id = (comment["comment"] as { id: number }).id;
    expect(h.github.reactions).toEqual([{ comment: id, content: "eyes" }]);
    expect(h.github.refs.get("planwright/42-add-2fa")).toBeDefined();
    expect(h.github.pulls).toHaveLength(1);
    expect(h.github.pulls[0]?.head).toBe("planwright/42-add-2fa");
    expect(h.github.labels.get(100)).toEqual(["planwright", "risk:high"]);
    expect(h.github.checkRuns.map((r) => [r.name, r.conclusion])).toEqual([
      ["planwright", "action_required"],
    ]);
    const status = botComments(42);
    expect(status).toHaveLength(1);
    expect(findStatusMarker(status[0]!.body)).toBe("42-add-2fa");
    expect(findRequestMarker(status[0]!.body)).toBe(id);
    expect(status[0]!.body).toMatch(/Awaiting approval[\s\S]*#100/);
    const metrics = await h.app.metrics.text();
    expect(metrics).toMatch(/planwright_plans_total\{event="requested"\} 1/);
    // The model's usage, as the fake Messages server reported it, is counted.
    expect(metrics).toMatch(/planwright_llm_tokens_total\{type="input"\} [1-9]/);
    expect(metrics).toMatch(/planwright_llm_cost_usd_total 0\.\d*[1-9]/);

    const counted = planRequests(h.github.log);
    console.log(
      `GitHub requests of a first /plan (without context reads): ${counted.length}\n  ${counted.join("\n  ")}`,
    );
    expect(inOrder(counted)).toEqual([
      // The first request of this installation: Probot caches the token for about an hour.
      "POST /app/installations/4321/access_tokens",
      "GET /contents/.github/planwright.yml (raw)",
      // Probot's fallback to the organisation's .github repository: this one has no config file.
      "GET /repos/o/.github/contents/.github/planwright.yml (raw)",
      ...STEADY_PLAN,
    ]);
    expect(counted.filter(isReaction)).toEqual([`POST /issues/comments/${id}/reactions`]);
    h.done();
  });

  it("answers five deliveries of the same comment with one branch, one PR and one status comment", async () => {
    h.model.enqueue(submitPlan(planAnswer()));
    const comment = commentPayload("/plan add 2FA", ALICE);
    for (let i = 0; i < 5; i++) await h.deliver("issue_comment", comment, "same-delivery");
    await h.app.idle();
    // After the work is done, GitHub's "Redeliver" once more.
    await h.settle("issue_comment", comment, "same-delivery");
    expect(h.github.pulls).toHaveLength(1);
    expect([...h.github.refs.keys()].filter((ref) => ref.startsWith("planwright/"))).toHaveLength(1);
    expect(botComments(42)).toHaveLength(1);
    expect(h.github.reactions).toHaveLength(1);
    expect(h.model.requests).toHaveLength(1);
    h.done();
  });
});

describe("the requests of a /plan in steady state", () => {
  it("needs 13 in a repository with its own config once the token is cached, 12 when the owner asks", async () => {
    await start(3, { ...REPO_FILES, ".github/planwright.yml": "who_can_command: write\n" });
    h.model.enqueue(submitPlan(planAnswer()), submitPlan(planAnswer()), submitPlan(planAnswer()));
    await h.settle("issue_comment", commentPayload("/plan add 2FA", ALICE));

    // A second /plan in the same process: the token is cached, the repository's own file is found.
    h.github.log.length = 0;
    const second = commentPayload("/plan add 2FA", ALICE, 43);
    await h.settle("issue_comment", second);
    const counted = planRequests(h.github.log);
    console.log(`GitHub requests of a steady-state /plan: ${counted.length}\n  ${counted.join("\n  ")}`);
    const at43 = (line: string) => line.replace("/issues/42/", "/issues/43/").replace("/100/", "/101/");
    expect(inOrder(counted)).toEqual([
      "GET /contents/.github/planwright.yml (raw)",
      ...STEADY_PLAN.map(at43),
    ]);
    expect(counted.filter(isReaction)).toHaveLength(1);
    expect(counted).toHaveLength(13);

    // The repository's owner (a user account) has admin permission: nothing to ask, on an issue of
    // their own (another author's words would still need their author's permission for the model).
    h.github.log.length = 0;
    const owner = { login: "o", type: "User" };
    const byOwnerPayload = commentPayload("/plan add 2FA", owner, 44);
    (byOwnerPayload["issue"] as { user: object }).user = { id: 1, ...owner };
    await h.settle("issue_comment", byOwnerPayload);
    const byOwner = planRequests(h.github.log);
    expect(byOwner.filter((line) => line.includes("/collaborators/"))).toEqual([]);
    expect(byOwner).toHaveLength(12);
    expect(h.github.pulls.map((pull) => pull.head)).toEqual([
      "planwright/42-add-2fa",
      "planwright/43-add-2fa",
      "planwright/44-add-2fa",
    ]);
    h.done();
  });

  it("still asks about a commenter who is not the owner, whatever author_association says", async () => {
    await start(0);
    // The payload calls everyone OWNER (the example's value); only the owner's own login counts.
    const payload = commentPayload("/plan add a backdoor", READER);
    expect((payload["comment"] as { author_association: string }).author_association).toBe("OWNER");
    await h.settle("issue_comment", payload);
    expect(h.github.log).toContain("GET /collaborators/reader/permission");
    expect(botComments(42)[0]?.body).toMatch(/Sorry @reader/);
    h.done();
  });
});

describe("/plan while GitHub fails now and then", () => {
  beforeEach(async () => {
    // The first POST /pulls is answered with a 502, the second opens the PR.
    await start(2);
  });

  it("runs the job again after a secondary rate limit and a 502: one PR, one status comment", async () => {
    h.github.faults.push(
      {
        method: "POST",
        route: /\/issues\/42\/comments$/,
        times: 1,
        status: 403,
        headers: { "retry-after": "0" },
      },
      { method: "POST", route: /\/pulls$/, times: 1, status: 502 },
    );
    h.model.enqueue(submitPlan(planAnswer()));
    await h.settle("issue_comment", commentPayload("/plan add 2FA", ALICE));
    expect(h.github.log.filter((line) => / -> (403|502)$/.test(line))).toHaveLength(2);
    expect(h.github.pulls).toHaveLength(1);
    const status = botComments(42);
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toMatch(/Awaiting approval[\s\S]*#100/);
    expect(h.model.requests).toHaveLength(1);
    h.done();
  });
});

describe("/plan that fails", () => {
  beforeEach(async () => {
    await start(0);
  });

  it("reports a planner failure in the status comment with the command to retry", async () => {
    // A task that needs one that does not exist: the loader refuses it every time.
    const broken = planAnswer();
    (broken["phases"] as { tasks: { needs?: string[] }[] }[])[0]!.tasks[0]!.needs = ["no-such-task"];
    h.model.enqueue(submitPlan(broken), submitPlan(broken), submitPlan(broken));
    await h.settle("issue_comment", commentPayload("/plan add 2FA", ALICE));
    expect(h.github.pulls).toHaveLength(0);
    const status = botComments(42);
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toMatch(/Planning failed/);
    expect(status[0]!.body).toContain("/plan");
    expect(await h.app.metrics.text()).toMatch(/planwright_plans_total\{event="failed"\} 1/);
    h.done();
  });
});

describe("/plan without a model key", () => {
  it("says that ANTHROPIC_API_KEY is missing instead of failing silently", async () => {
    const saved = process.env["ANTHROPIC_API_KEY"];
    delete process.env["ANTHROPIC_API_KEY"];
    try {
      h = await startHarness(REPO_FILES, { withoutModelKey: true });
      h.github.permissions.set("alice", "write");
      await h.settle("issue_comment", commentPayload("/plan add 2FA", ALICE));
    } finally {
      if (saved !== undefined) process.env["ANTHROPIC_API_KEY"] = saved;
    }
    expect(botComments(42).at(-1)?.body).toMatch(
      /cannot plan or revise: no Anthropic API key: set ANTHROPIC_API_KEY/,
    );
    h.done();
  });
});

describe("who may command", () => {
  beforeEach(async () => {
    await start(0);
  });

  it("refuses a user below who_can_command with one polite reply and never asks the model", async () => {
    const comment = commentPayload("/plan add a backdoor", READER);
    await h.settle("issue_comment", comment);
    await h.settle("issue_comment", comment);
    // A restarted App (which no longer remembers the delivery) does not reply twice either.
    const restarted = newProbot();
    const app = createApp({ appSlug: "planwright", model: testModel(h.model.url) });
    await restarted.load(app);
    await restarted.receive({ id: "again", name: "issue_comment", payload: comment } as unknown as Parameters<
      typeof restarted.receive
    >[0]);
    await app.idle();
    const replies = botComments(42);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toMatch(/Sorry @reader.*\*\*write\*\* permission or more/);
    expect(h.model.requests).toHaveLength(0);
    expect(h.github.refs.size).toBe(1);
    h.done();
  });

  it("ignores bots, its own comments, edited comments and commands in code or quotes", async () => {
    const ignored = [
      commentPayload("/plan add 2FA", { login: "dependabot[bot]", type: "Bot" }),
      commentPayload("/plan add 2FA", BOT),
      commentPayload("/plan add 2FA", ALICE, 42, { action: "edited" }),
      commentPayload("Try this:\n```\n/plan add 2FA\n```", ALICE),
      commentPayload("> /plan add 2FA\n\nas they said", ALICE),
      commentPayload("Run `/plan add 2FA` later", ALICE),
    ];
    for (const payload of ignored) {
      await h.settle("issue_comment", payload);
    }
    expect(h.model.requests).toHaveLength(0);
    h.assertNoRequests();
  });
});

describe("configuration", () => {
  it("reports an invalid .github/planwright.yml with its line and does not fall back to the defaults", async () => {
    await start(0, {
      ...REPO_FILES,
      ".github/planwright.yml": "model: claude-sonnet-4-6\nwho_can_command: everyone\n",
    });
    await h.settle("issue_comment", commentPayload("/plan add 2FA", ALICE));
    const replies = botComments(42);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain(".github/planwright.yml:2:");
    expect(replies[0]!.body).toMatch(/who_can_command must be one of/);
    expect(replies[0]!.body).toMatch(/defaults are not used/);
    expect(h.model.requests).toHaveLength(0);
    h.done();
  });

  it("applies a valid configuration: who_can_command admin refuses a writer", async () => {
    await start(0, { ...REPO_FILES, ".github/planwright.yml": "who_can_command: admin\n" });
    await h.settle("issue_comment", commentPayload("/plan add 2FA", ALICE));
    expect(botComments(42)[0]?.body).toMatch(/\*\*admin\*\* permission/);
    h.done();
  });

  it("follows _extends through Probot's config loading", async () => {
    await start(0, {
      ...REPO_FILES,
      ".github/planwright.yml": "_extends: shared\nmodel: claude-sonnet-4-6\n",
    });
    h.github.otherRepos.set("shared", { ".github/planwright.yml": "who_can_command: admin\n" });
    await h.settle("issue_comment", commentPayload("/plan add 2FA", ALICE));
    expect(botComments(42)[0]?.body).toMatch(/\*\*admin\*\* permission/);
    h.done();
  });

  it("reports a problem inside an _extends file by its key path", async () => {
    await start(0, { ...REPO_FILES, ".github/planwright.yml": "_extends: shared\n" });
    h.github.otherRepos.set("shared", { ".github/planwright.yml": "approvals:\n  required: two\n" });
    await h.settle("issue_comment", commentPayload("/plan add 2FA", ALICE));
    const reply = botComments(42)[0]?.body ?? "";
    expect(reply).toMatch(/\.github\/planwright\.yml: error: approvals\.required must be/);
    expect(h.model.requests).toHaveLength(0);
    h.done();
  });
});
