import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./app-harness.js";
import {
  ALICE,
  BOB,
  CAROL,
  READER,
  REPO_FILES,
  reviewPayload,
  revisionAnswer,
  synchronizePayload,
} from "./fixtures.js";
import { BRANCH, PLAN_PATH, openPlanPull, type PlanPull } from "./plan-pr-setup.js";

let h: Harness;

/** The plan touches src/auth, so it is high risk: by default it needs two approvals. */
const ONE_APPROVAL = "approvals:\n  by_risk:\n    high: 1\n";

async function start(config?: string, pullCreations = 1): Promise<PlanPull> {
  const files = config ? { ...REPO_FILES, ".github/planwright.yml": config } : REPO_FILES;
  h = await startHarness(files, { pullCreations });
  for (const [login, permission] of [
    ["bob", "write"],
    ["carol", "admin"],
    ["reader", "read"],
  ] as const)
    h.github.permissions.set(login, permission);
  return openPlanPull(h);
}

afterEach(async () => {
  await h.close();
});

/** Submits a review in the fake GitHub and delivers its webhook. */
async function review(pull: PlanPull, user: { login: string; type: string }, state: string, body = "") {
  const stored = h.github.review(pull.number, user, state.toUpperCase(), pull.sha, body);
  await h.settle(
    "pull_request_review",
    reviewPayload("submitted", { id: stored.id, user, state, commit_id: pull.sha, body }, pull),
  );
  return stored;
}

const lastCheck = () => h.github.checkRuns.at(-1)!;

describe("approval through reviews", () => {
  it("counts a writer's approval and dispatches the workflow with the plan blob", async () => {
    const pull = await start(ONE_APPROVAL);
    const before = h.github.log.length;
    await review(pull, BOB, "approved");
    const requests = h.github.log.slice(before);
    console.log(`GitHub requests of an approval evaluation: ${requests.length}\n  ${requests.join("\n  ")}`);
    expect(h.github.dispatches).toHaveLength(1);
    const blob = h.github.dispatches[0]!.inputs["plan-blob"];
    expect(h.github.dispatches[0]).toEqual({
      workflow: "planwright.yml",
      ref: "main",
      inputs: { command: "execute", pr: String(pull.number), plan: PLAN_PATH, "plan-blob": blob },
    });
    expect(blob).toMatch(/^[0-9a-f]{40}$/);
    expect(lastCheck().status).toBe("in_progress");
    expect(await h.app.metrics.text()).toMatch(/planwright_plans_total\{event="approved"\} 1/);
    // Beyond the configuration and the reviews: the plan file, one permission, the check run; plus the dispatch.
    expect(requests.length).toBeLessThanOrEqual(6);
    h.done();
  });

  it("refuses a stale approval after the plan changed on the branch", async () => {
    const pull = await start(ONE_APPROVAL);
    h.github.review(pull.number, BOB, "APPROVED", pull.sha);
    const head = h.github.push(BRANCH, {
      [PLAN_PATH]: "# edited by hand\n" + h.github.filesAt(BRANCH)!.get(PLAN_PATH)!,
    });
    await h.settle("pull_request", synchronizePayload({ ...pull, sha: head }, pull.sha));
    expect(h.github.dispatches).toHaveLength(0);
    expect(lastCheck().head_sha).toBe(head);
    expect(lastCheck().conclusion).toBe("action_required");
    expect(JSON.stringify(lastCheck().output)).toMatch(/older plan/);
    h.done();
  });

  it("leaves pushes of the Action's task commits alone: no second dispatch, no new check run", async () => {
    const pull = await start(ONE_APPROVAL);
    await review(pull, BOB, "approved");
    const checks = h.github.checkRuns.length;
    const message = "Add the TOTP service\n\nPlanwright-Plan: 42-add-2fa\nPlanwright-Task: totp-service\n";
    const head = h.github.push(BRANCH, { "src/auth/totp.ts": "export {};\n" }, message);
    h.github.signedByApp.add(head);
    await h.settle("pull_request", synchronizePayload({ ...pull, sha: head }, pull.sha));
    expect(h.github.dispatches).toHaveLength(1);
    expect(h.github.checkRuns).toHaveLength(checks);
    // the same trailers on a commit GitHub does not verify as the App's are a person's push
    const forged = h.github.push(BRANCH, { "src/auth/totp.ts": "export const open = 1;\n" }, message);
    await h.settle("pull_request", synchronizePayload({ ...pull, sha: forged }, head));
    expect(h.github.checkRuns.at(-1)?.head_sha).toBe(forged);
    // A person's push in between is evaluated again.
    const human = h.github.push(BRANCH, { "notes.md": "hi\n" }, "notes");
    await h.settle("pull_request", synchronizePayload({ ...pull, sha: human }, forged));
    expect(h.github.checkRuns.at(-1)?.head_sha).toBe(human);
    h.done();
  });

  it("ignores a read-only reviewer's approval", async () => {
    const pull = await start(ONE_APPROVAL);
    await review(pull, READER, "approved");
    expect(h.github.dispatches).toHaveLength(0);
    expect(JSON.stringify(lastCheck().output)).toMatch(/@reader's approval does not count \(read permission/);
    h.done();
  });

  it("counts the requester's own approval when allow_requester is true", async () => {
    const pull = await start(ONE_APPROVAL);
    await review(pull, ALICE, "approved");
    expect(h.github.dispatches).toHaveLength(1);
    h.done();
  });

  it("does not count the requester's approval when allow_requester is false", async () => {
    const pull = await start("approvals:\n  allow_requester: false\n  by_risk:\n    high: 1\n");
    await review(pull, ALICE, "approved");
    expect(h.github.dispatches).toHaveLength(0);
    expect(JSON.stringify(lastCheck().output)).toMatch(/the requester; approvals.allow_requester is false/);
    h.done();
  });

  it("needs two approvals for a high-risk plan", async () => {
    const pull = await start();
    await review(pull, BOB, "approved");
    expect(h.github.dispatches).toHaveLength(0);
    expect(lastCheck().output["title"]).toMatch(/1 of 2 approvals/);
    await review(pull, CAROL, "approved");
    expect(h.github.dispatches).toHaveLength(1);
    h.done();
  });

  it("sends the plan to execution once when two approvals arrive together", async () => {
    const pull = await start();
    // Both reviews are on GitHub before the first evaluation runs, so both evaluations see two.
    const payloads = [BOB, CAROL].map((user) => {
      const stored = h.github.review(pull.number, user, "APPROVED", pull.sha);
      return reviewPayload(
        "submitted",
        { id: stored.id, user, state: "approved", commit_id: pull.sha },
        pull,
      );
    });
    for (const payload of payloads) await h.deliver("pull_request_review", payload);
    await h.app.idle();
    expect(h.github.dispatches).toHaveLength(1);
    h.done();
  });

  it("does not execute when auto_execute is off, and says how to", async () => {
    const pull = await start(`${ONE_APPROVAL}execution:\n  auto_execute: false\n`);
    await review(pull, BOB, "approved");
    expect(h.github.dispatches).toHaveLength(0);
    expect(lastCheck().output["title"]).toMatch(/approved by @bob; comment \/execute/);
    h.done();
  });

  it("revises the plan on a change request with one revision commit, once per review", async () => {
    const pull = await start(ONE_APPROVAL);
    h.model.enqueue(revisionAnswer());
    const stored = await review(pull, BOB, "changes_requested", "Please document the 2FA set-up.");
    const head = h.github.refs.get(BRANCH)!;
    expect(head).not.toBe(pull.sha);
    expect(h.github.filesAt(head)!.get(PLAN_PATH)).toContain("docs-2fa");
    expect(
      h.model.requests
        .at(-1)
        ?.body.messages[0].content.map((c: { text?: string }) => c.text)
        .join(),
    ).toContain("Please document the 2FA set-up.");
    // GitHub redelivers the review: nothing is revised twice.
    await h.settle(
      "pull_request_review",
      reviewPayload(
        "submitted",
        { id: stored.id, user: BOB, state: "changes_requested", commit_id: pull.sha },
        pull,
      ),
    );
    expect(h.github.refs.get(BRANCH)).toBe(head);
    expect(h.model.requests).toHaveLength(2);
    h.done();
  });

  it("serialises work per PR: two change requests at once are revised one after the other", async () => {
    const pull = await start(ONE_APPROVAL);
    h.model.enqueue(revisionAnswer("# 2FA\n"), revisionAnswer("# Two-factor authentication\n"));
    const reviews = [BOB, CAROL].map((user) => {
      const body = `Please add docs (${user.login})`;
      const stored = h.github.review(pull.number, user, "CHANGES_REQUESTED", pull.sha, body);
      const review = { id: stored.id, user, state: "changes_requested", commit_id: pull.sha, body };
      return reviewPayload("submitted", review, pull);
    });
    await Promise.all(reviews.map((payload) => h.deliver("pull_request_review", payload)));
    await h.app.idle();
    // The second revision was made on top of the first: no race, no conflict reported.
    const head = h.github.refs.get(BRANCH)!;
    const first = h.github.commits.get(head)!.parents[0]!;
    expect(h.github.commits.get(first)!.parents[0]).toBe(pull.sha);
    const said = h.github.comments.filter((c) => c.issue === pull.number).map((c) => c.body);
    expect(said.join("\n")).not.toMatch(/conflict|failed/i);
    h.done();
  });
});
