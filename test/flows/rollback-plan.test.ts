import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { executePlanFlow, type PlanFlowDeps } from "../../src/flows/execute-plan.js";
import { rollbackPlanFlow } from "../../src/flows/rollback-plan.js";
import { apiLander } from "../../src/flows/api-landing.js";
import { ACTIONS_IDENTITY } from "../../src/flows/commit-proofs.js";
import { createGateway } from "../../src/github/octokit-gateway.js";
import { openWorkspace } from "../../src/git/git-workspace.js";
import { harness, plan, type Harness } from "../action/harness.js";

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());

let open: Harness[] = [];
afterEach(async () => {
  nock.cleanAll();
  for (const h of open) await h.cleanup();
  open = [];
});

async function setup(phases: Parameters<typeof plan>[0]): Promise<{ h: Harness; deps: PlanFlowDeps }> {
  const h = await harness(plan(phases));
  open.push(h);
  h.github.mountNock();
  await h.approve();
  const gateway = createGateway(new Octokit({ auth: "t", request: { retries: 0 } }), {
    owner: "o",
    repo: "r",
  });
  const workspace = await openWorkspace(h.dir);
  return {
    h,
    // commits land through the API as the Action lands them: signed for the workflow token's bot
    deps: {
      gateway,
      workspace,
      checkIntervalMs: 0,
      commentIntervalMs: 0,
      land: apiLander({ gateway, workspace, identity: ACTIONS_IDENTITY }),
    },
  };
}

describe("rollbackPlanFlow", () => {
  it("a conflicting revert changes nothing and names the file", async () => {
    const { h, deps } = await setup([
      {
        id: "p",
        tasks: [
          { id: "first", title: "First", write: { path: "a.txt", content: "one\n" } },
          { id: "second", title: "Second", write: { path: "a.txt", content: "two\n" } },
        ],
      },
    ]);
    expect((await executePlanFlow(deps, { pull: 5, command: "execute" })).status).toBe("succeeded");
    const head = await h.remoteHead();
    const result = await rollbackPlanFlow(deps, { pull: 5, task: "first" });
    expect(result.status).toBe("failed");
    expect(result.message).toMatch(
      /rollback refused \(conflict\): cannot roll back task first: .*a\.txt.*; nothing was changed/,
    );
    expect(await h.remoteHead()).toBe(head);
    expect(h.github.runs("planwright").at(-1)).toMatchObject({ conclusion: "failure", head_sha: head });
  });

  it("with nothing done there is nothing to roll back", async () => {
    const { deps } = await setup([
      { id: "p", tasks: [{ id: "t", title: "T", write: { path: "t.txt", content: "" } }] },
    ]);
    const result = await rollbackPlanFlow(deps, { pull: 5 });
    expect(result).toMatchObject({
      status: "succeeded",
      message: "nothing to roll back: no task of the plan is done",
    });
  });

  it("an unknown task is refused in one line", async () => {
    const { deps } = await setup([
      { id: "p", tasks: [{ id: "t", title: "T", write: { path: "t.txt", content: "" } }] },
    ]);
    const result = await rollbackPlanFlow(deps, { pull: 5, task: "nope" });
    expect(result.status).toBe("failed");
    expect(result.message).toMatch(/has no task "nope"/);
  });
});
