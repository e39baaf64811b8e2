/**
 * Webhook faults against the App's real HTTP server: bad signatures are refused before any
 * handler runs, redeliveries start nothing twice, and bots and read-only users start nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commentsOn, startWorld, type World } from "./e2e-harness.js";
import { PLAN, REVISED, submitPlan, submitRevision } from "./scripted-plans.js";

const BOT = "planwright[bot]";
let world: World;

beforeAll(async () => {
  world = await startWorld();
  world.github.addUser("sam", "write");
}, 60_000);
afterAll(async () => {
  await world?.close();
});

const pulls = () => [...world.github.state.issues.values()].filter((i) => i.pull);

describe("webhooks", () => {
  it("refuses a wrong or missing signature without running any handler", async () => {
    const { github, model } = world;
    const issue = await github.createIssue("maya", "Signed only");
    await world.settle();
    const before = github.requests.length;
    const comment = github.state.addComment(issue.number, "maya", "/plan add 2FA");
    const payload = {
      action: "created",
      issue: github.state.issueJson(issue),
      comment: github.state.commentJson(comment),
    };
    const wrong = await github.deliver("issue_comment", payload, { sender: "maya", signature: "wrong" });
    const missing = await github.deliver("issue_comment", payload, { sender: "maya", signature: "none" });
    await world.settle();
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(missing.status).toBeGreaterThanOrEqual(400);
    // No reaction, no installation token, no model call: nothing ran.
    expect(github.requests.slice(before)).toEqual([]);
    expect(model.requests).toHaveLength(0);
  });

  it("runs /plan and a change request once however often GitHub redelivers them", async () => {
    const { github, model } = world;
    const issue = await github.createIssue("maya", "Two-factor login");
    // One answer each: a duplicate model call would find none and show in the request count.
    model.enqueue(submitPlan(PLAN));
    await github.comment("maya", issue.number, "/plan add 2FA");
    await world.waitFor("the plan PR", () => pulls()[0]);
    const planDelivery = github.deliveries.findLast(
      (d) => d.event === "issue_comment" && d.body.includes("/plan add 2FA"),
    );
    for (let i = 0; i < 5; i++) await github.redeliver(planDelivery?.id ?? "");
    await world.settle();
    expect(pulls()).toHaveLength(1);
    expect(model.requests).toHaveLength(1);
    const pull = pulls()[0];
    if (!pull?.pull) throw new Error("no plan PR");

    model.enqueue(submitRevision(REVISED, "Added docs."));
    await github.review("rob", pull.number, {
      state: "CHANGES_REQUESTED",
      comments: [
        {
          path: `.planwright/plans/${pull.pull.head.replace("planwright/", "")}.yaml`,
          line: 3,
          body: "Document it in docs/2fa.md",
        },
      ],
    });
    await world.settle();
    const reviewDelivery = github.deliveries.findLast((d) => d.event === "pull_request_review");
    const pushDelivery = github.deliveries.findLast(
      (d) => d.event === "pull_request" && d.action === "synchronize",
    );
    for (let i = 0; i < 5; i++) {
      await github.redeliver(reviewDelivery?.id ?? "");
      if (pushDelivery) await github.redeliver(pushDelivery.id);
    }
    await world.settle();
    const commits = await github.git.revList(`refs/heads/${pull.pull.head}`, "refs/heads/main");
    expect(commits).toHaveLength(2); // the plan and one revision
    expect(model.requests).toHaveLength(2);
    expect(commentsOn(world, issue.number, BOT).filter((b) => b.includes("planwright:status"))).toHaveLength(
      1,
    );
    expect(commentsOn(world, pull.number, BOT).filter((b) => b.includes("planwright:status"))).toHaveLength(
      1,
    );
    expect(github.state.reactions.filter((r) => r.user === BOT)).toHaveLength(1);
  });

  it("starts nothing for comments by bots or by read-only users", async () => {
    const { github, model } = world;
    const issue = await github.createIssue("maya", "Noise");
    const calls = model.requests.length;
    const before = pulls().length;
    await github.comment("dependabot[bot]", issue.number, "/plan add a backdoor");
    await github.comment("rita", issue.number, "/plan add a backdoor");
    await world.settle();
    expect(model.requests).toHaveLength(calls);
    expect(pulls()).toHaveLength(before);
    // The bot gets no answer at all; the reader at most a refusal naming the permission needed.
    const answers = commentsOn(world, issue.number, BOT);
    expect(answers.every((b) => /permission/i.test(b))).toBe(true);
    expect(answers.join("\n")).not.toContain("dependabot");
  });

  it("executes and rolls back once however often the approvals and /rollback are redelivered", async () => {
    const { github } = world;
    const pull = pulls()[0];
    if (!pull?.pull) throw new Error("no plan PR from the previous test");
    await github.review("rob", pull.number, { state: "APPROVED" });
    await github.review("sam", pull.number, { state: "APPROVED" });
    await world.waitFor(
      "the execution",
      () => [...github.state.workflowRuns.values()].find((r) => r.status === "completed"),
      90_000,
    );
    const approvals = github.deliveries.filter((d) => d.event === "pull_request_review").slice(-2);
    for (let i = 0; i < 5; i++) for (const delivery of approvals) await github.redeliver(delivery.id);
    await world.settle();
    await github.comment("maya", pull.number, "/rollback");
    await world.waitFor("the rollback", () =>
      [...github.state.workflowRuns.values()].find(
        (r) => r.inputs.command === "rollback" && r.status === "completed",
      ),
    );
    const rollback = github.deliveries.findLast(
      (d) => d.event === "issue_comment" && d.body.includes("/rollback"),
    );
    for (let i = 0; i < 5; i++) await github.redeliver(rollback?.id ?? "");
    await world.settle();

    const runs = [...github.state.workflowRuns.values()].map((r) => r.inputs.command);
    expect(runs).toEqual(["execute", "rollback"]);
    const { git } = github;
    const shas = await git.revList(`refs/heads/${pull.pull.head}`, "refs/heads/main");
    const messages = await Promise.all(shas.map(async (sha) => (await git.commit(sha)).message));
    const tasks = messages.flatMap((m) => /^Planwright-Task: (.+)$/m.exec(m)?.[1] ?? []);
    const reverts = messages.flatMap((m) => /^Planwright-Revert: (.+)$/m.exec(m)?.[1] ?? []);
    expect(tasks.sort()).toEqual(["docs-2fa", "login-step", "totp-service"]);
    expect(reverts.sort()).toEqual(["docs-2fa", "login-step", "totp-service"]);
  }, 180_000);
});
