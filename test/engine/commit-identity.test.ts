/**
 * The one rule for "is this Planwright's commit" (engine/commit-identity.ts), tried with what a
 * forger can type (trailers, names, a committer that looks like GitHub's) and what they cannot
 * (GitHub's verification of a commit by the landing identity); and a command that commits on its
 * own with a later task's trailers, which the engine refuses and drops even without a sandbox.
 */
import { afterEach, describe, expect, it } from "vitest";
import { isProven, judgeCommit, type CommitProof } from "../../src/engine/commit-identity.js";
import { deriveState } from "../../src/engine/state.js";
import { planSchema } from "../../src/plan/schema.js";
import { fixture, planInput, type Fixture } from "./executor-fixture.js";

const APP = "planwright[bot]";
const plan = planSchema.parse(
  planInput([
    {
      id: "p",
      title: "P",
      mode: "sequential",
      tasks: [
        { id: "a", title: "A", write: { path: "a.txt", content: "a\n" } },
        { id: "b", title: "B", write: { path: "b.txt", content: "b\n" } },
      ],
    },
  ]),
);
const commit = (sha: string, trailers: Record<string, string>) => ({
  sha,
  parents: [],
  subject: `commit ${sha}`,
  trailers,
});
const task = (id: string) => ({
  "Planwright-Plan": plan.id,
  "Planwright-Task": id,
  "Planwright-Plan-Blob": "blob",
});
const proofsOf = (entries: Record<string, CommitProof>) => ({
  of: (sha: string) => entries[sha],
  identities: [APP],
});

describe("commit identity", () => {
  it.each<[string, CommitProof | undefined, boolean]>([
    ["verified, by the App", { verified: true, author: APP }, true],
    [
      "verified, by the App, committed by GitHub's web-flow",
      { verified: true, author: APP, committer: "web-flow" },
      true,
    ],
    ["verified, by the App with another case", { verified: true, author: "Planwright[BOT]" }, true],
    ["unverified, by the App (copied trailers and name)", { verified: false, author: APP }, false],
    ["verified, by a person", { verified: true, author: "sam" }, false],
    ["verified, by another bot", { verified: true, author: "github-actions[bot]" }, false],
    [
      "verified, by the App but committed by a person",
      { verified: true, author: APP, committer: "sam" },
      false,
    ],
    ["verified, no GitHub author", { verified: true }, false],
    ["not reported by GitHub", undefined, false],
  ])("a commit with task trailers, %s", (_what, proof, ours) => {
    expect(isProven(proof, [APP])).toBe(ours);
    const judged = judgeCommit(
      commit("f".repeat(40), task("a")),
      plan.id,
      proofsOf(proof ? { ["f".repeat(40)]: proof } : {}),
    );
    expect(judged.ours).toBe(ours);
    if (!ours)
      expect(judged.reason).toMatch(
        /^commit fffffff \("commit f+"\) by .* carries Planwright task trailers for a, but .*: it is not Planwright's$/,
      );
  });

  it("a commit without trailers is no claim, proven or not", () => {
    expect(judgeCommit(commit("1".repeat(40), {}), plan.id, proofsOf({})).claim).toBeUndefined();
    expect(
      judgeCommit(commit("1".repeat(40), { "Planwright-Plan": "other", "Planwright-Task": "a" }), plan.id)
        .ours,
    ).toBe(false);
  });

  it("state counts only proven commits: a forged task stays pending, a forged revert undoes nothing", () => {
    const history = [
      commit("1".repeat(40), task("a")),
      commit("2".repeat(40), task("b")),
      commit("3".repeat(40), {
        "Planwright-Plan": plan.id,
        "Planwright-Revert": "a",
        "Planwright-Plan-Blob": "blob",
      }),
    ];
    const proofs = proofsOf({
      ["1".repeat(40)]: { verified: true, author: APP },
      ["2".repeat(40)]: { verified: false, author: "sam" },
      ["3".repeat(40)]: { verified: false, author: "sam" },
    });
    const state = deriveState(plan, "blob", history, proofs);
    expect(state.tasks.get("a")?.status).toBe("done");
    expect(state.tasks.get("b")?.status).toBe("pending");
    expect(state.forged.map((f) => f.commit.sha[0])).toEqual(["2", "3"]);
    // offline (no proof source) the trailers are the record
    expect(deriveState(plan, "blob", history).tasks.get("a")?.status).toBe("reverted");
  });
});

describe("a command that commits on its own", () => {
  let f: Fixture | undefined;
  afterEach(async () => {
    await f?.repo.cleanup();
    f = undefined;
  });

  it("is refused and its commit dropped, even without a sandbox", async () => {
    f = await fixture(
      planInput([
        {
          id: "p",
          title: "P",
          mode: "sequential",
          tasks: [
            {
              id: "sneaky",
              title: "Sneaky",
              run: 'echo x > x.txt && git add x.txt && git -c user.name=x -c user.email=x@x commit -q -m "B" -m "Planwright-Plan: 7-test" -m "Planwright-Task: b"',
            },
            { id: "b", title: "B", write: { path: "b.txt", content: "b\n" } },
          ],
        },
      ]),
    );
    const before = await f.repo.git("rev-parse", "HEAD");
    const result = await f.run({ env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
    expect(result.outcome).toBe("failed");
    expect(result.message).toMatch(
      /task sneaky moved the branch from [0-9a-f]{7} to [0-9a-f]{7}: commands may not commit; the commit was dropped/,
    );
    expect(await f.repo.git("rev-parse", "HEAD")).toBe(before);
    expect(await f.taskCommits()).toEqual([]);
  });
});
