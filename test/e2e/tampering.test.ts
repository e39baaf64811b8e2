/**
 * Tampering with an approved plan, end to end: approvals by read-only users and by the requester
 * (under `allow_requester: false`) do not count, an edit of the plan file after approval voids the
 * approval, and a push by someone else after approval stops execution — each with its reason on
 * the `planwright` check run, and nothing executed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssueRecord } from "../sandbox/sandbox-state.js";
import { manualExecutionConfig, startWorld, type World } from "./e2e-harness.js";
import { PLAN, submitPlan } from "./scripted-plans.js";

let world: World;

beforeAll(async () => {
  world = await startWorld({
    files: {
      ".github/planwright.yml": manualExecutionConfig(false),
    },
  });
  world.github.addUser("sam", "write");
}, 60_000);
afterAll(async () => {
  await world?.close();
});

async function planPr(): Promise<{ pull: IssueRecord; branch: string; path: string }> {
  const { github, model } = world;
  const issue = await github.createIssue("maya", "Two-factor login");
  model.enqueue(submitPlan(PLAN));
  await github.comment("maya", issue.number, "/plan add 2FA");
  const pull = await world.waitFor("the plan PR", () =>
    [...github.state.issues.values()].find((i) => i.pull && i.body.includes(`Refs #${issue.number}`)),
  );
  const branch = pull.pull?.head ?? "";
  return { pull, branch, path: `.planwright/plans/${branch.replace("planwright/", "")}.yaml` };
}

/** The latest `planwright` check run on the branch's head, as its title and summary. */
async function planCheck(branch: string) {
  const head = await world.github.git.branchHead(branch);
  const runs = [...world.github.state.checkRuns.values()].filter(
    (r) => r.name === "planwright" && r.headSha === head,
  );
  const run = runs.at(-1);
  const text = `${run?.output.title ?? ""}\n${run?.output.summary ?? ""}`;
  return { run, text };
}

const taskCommits = async (branch: string) => {
  const { git } = world.github;
  const shas = await git.revList(`refs/heads/${branch}`, "refs/heads/main");
  const messages = await Promise.all(shas.map(async (sha) => (await git.commit(sha)).message));
  return messages.filter((m) => /^Planwright-Task:/m.test(m));
};

describe("tampering", () => {
  it("does not count an approval by a read-only user or the requester's own", async () => {
    const { pull, branch } = await planPr();
    await world.github.review("rita", pull.number, { state: "APPROVED" });
    await world.github.review("maya", pull.number, { state: "APPROVED" });
    await world.settle();
    const { run, text } = await planCheck(branch);
    expect(run?.conclusion).toBe("action_required");
    expect(text).toContain("@rita's approval does not count (read permission");
    expect(text).toContain(
      "@maya's approval does not count (the requester; approvals.allow_requester is false)",
    );
    expect(world.github.state.workflowRuns.size).toBe(0);
  });

  it("voids an approval when the plan file is edited afterwards", async () => {
    const { github } = world;
    const { pull, branch, path } = await planPr();
    await github.review("rob", pull.number, { state: "APPROVED" });
    await world.settle();
    const plan = (await github.git.blob((await github.git.pathBlob(branch, path))?.sha ?? "")).toString();
    await github.pushAs(
      "sam",
      branch,
      { [path]: plan.replace("Second factor check", "Skip the second factor") },
      "tweak plan",
    );
    await world.settle();
    await github.comment("maya", pull.number, "/execute");
    await world.settle();
    const { run, text } = await planCheck(branch);
    expect(run?.conclusion).not.toBe("success");
    expect(text).toContain("@rob's approval is for an older plan");
    expect(await taskCommits(branch)).toEqual([]);
  });

  it("refuses to execute after someone else pushed to the approved plan branch", async () => {
    const { github } = world;
    const { pull, branch } = await planPr();
    await github.review("rob", pull.number, { state: "APPROVED" });
    await world.settle();
    await github.pushAs(
      "sam",
      branch,
      { "src/backdoor.ts": "export const open = true;\n" },
      "sneak in a file",
    );
    await world.settle();
    await github.comment("maya", pull.number, "/execute");
    await world.settle();
    const { run, text } = await planCheck(branch);
    expect(run?.conclusion).toBe("failure");
    expect(text).toMatch(
      /refused: commit [0-9a-f]{7} \("sneak in a file"\) by sam after the approved commit [0-9a-f]{7} is not a Planwright task/,
    );
    expect(await taskCommits(branch)).toEqual([]);
  });
});
