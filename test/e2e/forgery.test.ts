/**
 * Forged task identity, end to end through the App, the real bundled Action and the GitHub
 * sandbox: a pusher copies the `Planwright-*` trailers (all public in the PR) onto a commit of
 * their own — a task commit after the approval, a revert, one before the approval — and a plan
 * command commits with trailers naming a later task. Each is refused before anything runs on top
 * of it, with a message naming the commit and who made it; no approved task counts as done and
 * nothing lands. Then the legitimate commits land as verified commits of the App, also under a
 * "require signed commits" ruleset that refuses the pusher's unsigned push.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssueRecord } from "../sandbox/sandbox-state.js";
import { verificationOfCommit } from "../sandbox/commit-signing.js";
import { manualExecutionConfig, startWorld, type World } from "./e2e-harness.js";
import { CORE_PHASE, PLAN, submitPlan } from "./scripted-plans.js";

let world: World;
const BOT = "planwright[bot]";

beforeAll(async () => {
  world = await startWorld({
    files: {
      ".github/planwright.yml": manualExecutionConfig(true),
    },
  });
  world.github.addUser("sam", "write");
}, 60_000);
afterAll(async () => {
  await world?.close();
});

async function planPr(
  plan = PLAN,
): Promise<{ pull: IssueRecord; branch: string; path: string; blob: string; id: string }> {
  const { github, model } = world;
  const issue = await github.createIssue("maya", `Plan ${Math.random().toString(36).slice(2, 8)}`);
  model.enqueue(submitPlan(plan));
  await github.comment("maya", issue.number, "/plan add 2FA");
  const pull = await world.waitFor("the plan PR", () =>
    [...github.state.issues.values()].find((i) => i.pull && i.body.includes(`Refs #${issue.number}`)),
  );
  const branch = pull.pull?.head ?? "";
  const id = branch.replace("planwright/", "");
  const path = `.planwright/plans/${id}.yaml`;
  const blob = (await github.git.pathBlob(branch, path))?.sha ?? "";
  return { pull, branch, path, blob, id };
}

const trailers = (id: string, blob: string, key: "Task" | "Revert", task: string) =>
  `\n\nPlanwright-Plan: ${id}\nPlanwright-${key}: ${task}\nPlanwright-Plan-Blob: ${blob}`;

async function planCheckText(branch: string): Promise<{ conclusion?: string | null; text: string }> {
  const head = await world.github.git.branchHead(branch);
  const run = [...world.github.state.checkRuns.values()]
    .filter((r) => r.name === "planwright" && r.headSha === head)
    .at(-1);
  return { conclusion: run?.conclusion, text: `${run?.output.title ?? ""}\n${run?.output.summary ?? ""}` };
}

/** Commits of the branch made by the App's bot (what landed), oldest last. */
async function landed(branch: string): Promise<string[]> {
  const { git } = world.github;
  const shas = await git.revList(`refs/heads/${branch}`, "refs/heads/main");
  const out: string[] = [];
  for (const sha of shas) {
    const commit = await git.commit(sha);
    if (commit.author.name === BOT && /^Planwright-Task:/m.test(commit.message)) out.push(sha);
  }
  return out;
}

async function execute(pull: IssueRecord): Promise<void> {
  const before = world.github.state.workflowRuns.size;
  await world.github.comment("maya", pull.number, "/execute");
  await world.waitFor(
    "the execute run",
    () => [...world.github.state.workflowRuns.values()].slice(before).find((r) => r.status === "completed"),
    90_000,
  );
}

describe("forged task identity", () => {
  it.each([
    ["a task commit with copied trailers, pushed after the approval", "Task", "totp-service", true],
    ["a revert commit with copied trailers, pushed after the approval", "Revert", "totp-service", true],
    ["a task commit with copied trailers, pushed before the approval", "Task", "totp-service", false],
  ] as const)(
    "refuses %s",
    async (_what, key, task, afterApproval) => {
      const { github } = world;
      const { pull, branch, blob, id } = await planPr();
      if (afterApproval) await github.review("rob", pull.number, { state: "APPROVED" });
      await world.settle();
      const forged = await github.pushAs(
        "sam",
        branch,
        { "src/auth/totp.ts": "export const backdoor = true;\n" },
        `TOTP service${trailers(id, blob, key, task)}`,
      );
      if (!afterApproval) await github.review("rob", pull.number, { state: "APPROVED" });
      await world.settle();
      await execute(pull);
      const { conclusion, text } = await planCheckText(branch);
      expect(conclusion).toBe("failure");
      expect(text).toContain(`commit ${forged.slice(0, 7)}`);
      expect(text).toContain("by sam");
      expect(text).toMatch(
        /carries Planwright (task|revert) trailers for totp-service, but its signature is not verified/,
      );
      expect(await landed(branch)).toEqual([]);
      expect(await github.git.branchHead(branch)).toBe(forged);
      // no per-task check run marks the forged task done
      const done = [...github.state.checkRuns.values()].filter(
        (r) => r.name === "planwright / totp-service" && r.conclusion === "success",
      );
      expect(done).toEqual([]);
    },
    120_000,
  );

  it("drops a commit a plan command makes with trailers naming a later task", async () => {
    const { github } = world;
    const plan = {
      ...PLAN,
      phases: [
        {
          id: "core",
          title: "Core",
          mode: "sequential",
          tasks: [
            {
              id: "sneak-script",
              title: "Add a script",
              write: {
                path: "tools/sneak.mjs",
                content: [
                  'import { execFileSync } from "node:child_process";',
                  'import { writeFileSync } from "node:fs";',
                  "try {",
                  '  execFileSync("git", ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "--allow-empty", "-m", "TOTP service", "-m", "Planwright-Task: totp-service"], { stdio: "inherit" });',
                  "} catch {}",
                  'writeFileSync("note.txt", "ran\\n");',
                  "",
                ].join("\n"),
              },
            },
            {
              id: "sneaky",
              title: "Sneaky command",
              // commits on its own with the trailers of the next task, then makes a change
              run: "node tools/sneak.mjs",
              verify: "node --version",
            },
            ...(CORE_PHASE.tasks as unknown[]),
          ],
        },
      ],
    };
    const { pull, branch } = await planPr(plan);
    await github.review("rob", pull.number, { state: "APPROVED" });
    await world.settle();
    await execute(pull);
    const { git } = github;
    const shas = await git.revList(`refs/heads/${branch}`, "refs/heads/main");
    const messages = await Promise.all(shas.map(async (sha) => (await git.commit(sha)).message));
    // the sandbox's read-only .git refused the command's commit; only Planwright's commits landed
    const claims = messages.filter((m) => /^Planwright-Task: totp-service$/m.test(m));
    expect(claims).toHaveLength(1);
    for (const sha of shas) {
      const commit = await git.commit(sha);
      if (/^Planwright-Task:/m.test(commit.message)) {
        expect(commit.author.name).toBe(BOT);
        expect((await verificationOfCommit(git, sha)).verified).toBe(true);
      }
    }
    expect(messages.some((m) => /^Planwright-Task: sneaky$/m.test(m))).toBe(true);
  }, 120_000);

  it("lands verified commits of the App under a require-signed-commits ruleset, and refuses a pusher's unsigned push", async () => {
    const { github } = world;
    const { pull, branch } = await planPr();
    await github.review("rob", pull.number, { state: "APPROVED" });
    await world.settle();
    await github.requireSignedCommits(true);
    try {
      await expect(github.pushAs("sam", branch, { "x.txt": "x\n" }, "unsigned")).rejects.toThrow(
        /verified signatures/,
      );
      await execute(pull);
      const commits = await landed(branch);
      expect(commits).toHaveLength(2);
      for (const sha of commits) expect((await verificationOfCommit(github.git, sha)).verified).toBe(true);
      const { conclusion } = await planCheckText(branch);
      expect(conclusion).toBe("success");
    } finally {
      await github.requireSignedCommits(false);
    }
  }, 120_000);
});
