import { Octokit } from "@octokit/rest";
import nock from "nock";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { executePlanFlow, type PlanFlowDeps } from "../../src/flows/execute-plan.js";
import { apiLander } from "../../src/flows/api-landing.js";
import { ACTIONS_IDENTITY } from "../../src/flows/commit-proofs.js";
import { createGateway } from "../../src/github/octokit-gateway.js";
import { openWorkspace } from "../../src/git/git-workspace.js";
import { cloneTestRepo, gitIn } from "../helpers/git-repo.js";
import { pushWithToken } from "../../src/git/credential-push.js";
import { ScriptedModel } from "../engine/scripted-model.js";
import { BRANCH, harness, plan, type Harness } from "../action/harness.js";

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  nock.cleanAll();
  for (const c of cleanups) await c();
  cleanups = [];
});

const twoTasks = plan([
  {
    id: "p",
    tasks: [
      { id: "write-a", title: "Write a", write: { path: "a.txt", content: "a\n" } },
      { id: "edit-b", title: "Edit b", edit: { files: ["b.txt"], instructions: "b" } },
    ],
  },
]);

async function setup(): Promise<{ h: Harness; deps: PlanFlowDeps }> {
  const h = await harness(twoTasks);
  cleanups.push(() => h.cleanup());
  h.github.mountNock();
  const gateway = createGateway(new Octokit({ auth: "t", request: { retries: 0 } }), {
    owner: "o",
    repo: "r",
  });
  const workspace = await openWorkspace(h.dir);
  return {
    h,
    deps: {
      gateway,
      workspace,
      checkIntervalMs: 0,
      commentIntervalMs: 0,
      // as the Action lands them: through the API, signed for the workflow token's bot
      land: apiLander({ gateway, workspace, identity: ACTIONS_IDENTITY }),
    },
  };
}

describe("executePlanFlow", () => {
  it("refuses a pull request from a fork unless the configuration allows forks", async () => {
    const { h, deps } = await setup();
    h.github.pull.fork = true;
    await h.approve();
    await expect(executePlanFlow(deps, { pull: 5, command: "execute" })).rejects.toThrow(
      /pull request #5 comes from a fork; set execution.allow_forks/,
    );
    expect(h.github.writes()).toEqual([]);
  });

  it("refuses a closed pull request", async () => {
    const { h, deps } = await setup();
    h.github.pull.state = "closed";
    await expect(executePlanFlow(deps, { pull: 5, command: "execute" })).rejects.toThrow(
      /pull request #5 is closed/,
    );
  });

  it("stops without pushing when the remote branch moved under the run", async () => {
    const { h, deps } = await setup();
    await h.approve();
    const model = new ScriptedModel([
      async (tools) => {
        // someone pushes to the branch while the task runs
        const other = await cloneTestRepo(h.repo.remote);
        cleanups.push(() => other.cleanup());
        await other.git("checkout", "--quiet", BRANCH);
        await other.write({ "z.txt": "z\n" });
        await other.git("add", "-A");
        await other.git("commit", "--quiet", "-m", "concurrent change");
        await other.git("push", "--quiet", "origin", BRANCH);
        await tools.writeFile("b.txt", "b\n");
      },
    ]);
    const result = await executePlanFlow(deps, { pull: 5, command: "execute", model });
    expect(result.status).toBe("failed");
    expect(result.run?.failureClass).toBe("conflict");
    expect(result.message).toMatch(/moved|rejected/);
    // the other person's commit is still the branch head: nothing was forced
    expect((await h.branchLog()).at(-1)).toBe("concurrent change||");
  });

  it("refuses a plan-blob input other than the blob on the branch", async () => {
    const { h, deps } = await setup();
    await h.approve();
    const result = await executePlanFlow(deps, { pull: 5, command: "execute", planBlob: "0".repeat(40) });
    expect(result.status).toBe("refused");
    expect(result.message).toMatch(/the approved plan is blob 0000000/);
  });

  it("executes an allowed pull request from a fork on the fork's branch", async () => {
    const { h, deps } = await setup();
    await h.repo.git("checkout", "--quiet", "main");
    await h.repo.write({ ".github/planwright.yml": "execution:\n  allow_forks: true\n" });
    await h.repo.git("add", "-A");
    await h.repo.git("commit", "--quiet", "-m", "allow forks");
    await h.repo.git("push", "--quiet", "origin", "main");
    await h.repo.git("checkout", "--quiet", BRANCH);
    const fork = join(dirname(h.repo.remote), "fork.git");
    await h.repo.git("init", "--quiet", "--bare", fork);
    await h.repo.git("push", "--quiet", fork, `${BRANCH}:refs/heads/${BRANCH}`);
    h.github.pull.fork = true;
    await h.approve();
    await expect(executePlanFlow(deps, { pull: 5, command: "execute" })).rejects.toThrow(
      /comes from a fork: give the fork's clone URL/,
    );
    const model = new ScriptedModel([{ write: { "b.txt": "b\n" } }]);
    const result = await executePlanFlow(
      { ...deps, forkRemote: fork },
      { pull: 5, command: "execute", model },
    );
    expect(result.status).toBe("succeeded");
    const log = await h.repo.git("--git-dir", fork, "log", "--format=%s", "-2", `refs/heads/${BRANCH}`);
    expect(log.split("\n")).toEqual(["Edit b", "Write a"]);
  });

  it("with allow_requester: false, the requester's own approval does not count", async () => {
    const h = await harness(plan(twoTasks.phases, { issue: 4 }));
    cleanups.push(() => h.cleanup());
    h.github.mountNock();
    await h.repo.git("checkout", "--quiet", "main");
    await h.repo.write({ ".github/planwright.yml": "approvals:\n  allow_requester: false\n" });
    await h.repo.git("add", "-A");
    await h.repo.git("commit", "--quiet", "-m", "config");
    await h.repo.git("push", "--quiet", "origin", "main");
    h.github.comments.push(
      { id: 300, body: "/plan test", user: { login: "alice", type: "User" }, issue: 4 },
      {
        id: 301,
        body: "Planning…\n<!-- planwright:status plan=7-test -->\n<!-- planwright:request comment=300 -->",
        user: { login: "planwright[bot]", type: "Bot" },
        issue: 4,
      },
    );
    const gateway = createGateway(new Octokit({ auth: "t", request: { retries: 0 } }), {
      owner: "o",
      repo: "r",
    });
    const deps = { gateway, workspace: await openWorkspace(h.dir), checkIntervalMs: 0, commentIntervalMs: 0 };
    await h.approve("alice");
    const refused = await executePlanFlow(deps, { pull: 5, command: "execute" });
    expect(refused.status).toBe("refused");
    expect(refused.message).toMatch(/@alice's approval does not count \(the requester/);
    await h.approve("bob");
    const model = new ScriptedModel([{ write: { "b.txt": "b\n" } }]);
    expect((await executePlanFlow(deps, { pull: 5, command: "execute", model })).status).toBe("succeeded");
  });

  it("with stop_on_error: false, goes on with the tasks that do not need the failed one", async () => {
    const h = await harness(
      plan([
        {
          id: "p",
          tasks: [
            {
              id: "bad",
              title: "Bad",
              write: { path: "x.txt", content: "x\n" },
              verify: "false",
              retries: 0,
            },
            { id: "needs-bad", title: "Needs bad", needs: ["bad"], write: { path: "y.txt", content: "y\n" } },
            { id: "free", title: "Free", write: { path: "z.txt", content: "z\n" } },
          ],
        },
      ]),
    );
    cleanups.push(() => h.cleanup());
    h.github.mountNock();
    await h.repo.git("checkout", "--quiet", "main");
    await h.repo.write({ ".github/planwright.yml": "execution:\n  stop_on_error: false\n" });
    await h.repo.git("add", "-A");
    await h.repo.git("commit", "--quiet", "-m", "config");
    await h.repo.git("push", "--quiet", "origin", "main");
    await h.approve();
    const gateway = createGateway(new Octokit({ auth: "t", request: { retries: 0 } }), {
      owner: "o",
      repo: "r",
    });
    const deps = { gateway, workspace: await openWorkspace(h.dir), checkIntervalMs: 0, commentIntervalMs: 0 };
    const result = await executePlanFlow(deps, { pull: 5, command: "execute" });
    expect(result).toMatchObject({ status: "failed", tasksDone: 1, tasksFailed: 1 });
    expect(result.message).toMatch(/task bad failed .*stop_on_error is false/);
    expect(await h.branchLog()).toEqual(["Free|free|"]);
    const rows = Object.fromEntries(result.view!.rows.map((r) => [r.id, r.status]));
    expect(rows).toEqual({ bad: "failed", "needs-bad": "pending", free: "done" });
    expect(result.message).toMatch(/next: \/retry bad/);
  });
});

describe("retry of one task", () => {
  it("refuses an unknown task and a task that is already done", async () => {
    const { h, deps } = await setup();
    await h.approve();
    await expect(executePlanFlow(deps, { pull: 5, command: "retry", task: "nope" })).rejects.toThrow(
      /plan 7-test has no task "nope"/,
    );
    const model = new ScriptedModel([{ write: { "b.txt": "b\n" } }]);
    expect((await executePlanFlow(deps, { pull: 5, command: "execute", model })).status).toBe("succeeded");
    await expect(executePlanFlow(deps, { pull: 5, command: "retry", task: "write-a" })).rejects.toThrow(
      /task write-a is already done; \/rollback write-a first/,
    );
  });
});

describe("pushing through the credential seam", () => {
  it("uses the checkout's branch when the remote cannot be fetched, and pushes with a server-side lease", async () => {
    // the push path (a fork's branch): no landing through the API
    const { h, deps: withLanding } = await setup();
    const { land: _land, ...deps } = withLanding;
    await h.approve();
    // like a private repository checked out with persist-credentials: false
    await gitIn(h.dir, "remote", "set-url", "origin", join(dirname(h.repo.remote), "unreachable.git"));
    const leases: string[] = [];
    const push = async (_remote: string, branch: string, expected: string) => {
      leases.push(expected);
      await pushWithToken(h.dir, h.repo.remote, branch, "token-unused-locally", {
        expectedRemoteHead: expected,
      });
    };
    const model = new ScriptedModel([{ write: { "b.txt": "b\n" } }]);
    const result = await executePlanFlow({ ...deps, push }, { pull: 5, command: "execute", model });
    expect(result.status).toBe("succeeded");
    expect(await h.branchLog()).toEqual(["Write a|write-a|", "Edit b|edit-b|"]);
    expect(leases[0]).toBe(h.approved);
    expect(leases).toHaveLength(2);
  });

  it("the lease refuses to push over a branch that moved", async () => {
    const { h, deps } = await setup();
    await h.approve();
    const push = (_remote: string, branch: string, expected: string) =>
      pushWithToken(h.dir, h.repo.remote, branch, "token-unused-locally", { expectedRemoteHead: expected });
    const model = new ScriptedModel([
      async (tools) => {
        const other = await cloneTestRepo(h.repo.remote);
        cleanups.push(() => other.cleanup());
        await other.git("checkout", "--quiet", BRANCH);
        await other.write({ "z.txt": "z\n" });
        await other.git("add", "-A");
        await other.git("commit", "--quiet", "-m", "concurrent change");
        await other.git("push", "--quiet", "origin", BRANCH);
        await tools.writeFile("b.txt", "b\n");
      },
    ]);
    const result = await executePlanFlow({ ...deps, push }, { pull: 5, command: "execute", model });
    expect(result.status).toBe("failed");
    expect(result.run?.failureClass).toBe("conflict");
    expect((await h.branchLog()).at(-1)).toBe("concurrent change||");
  });
});
