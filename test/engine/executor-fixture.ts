/** A real git repository with a plan, ready for executePlan, for the executor tests. */
import { planBlobOf } from "../../src/engine/plan-blob.js";
import { executePlan, type ExecuteOptions, type RunResult } from "../../src/engine/executor.js";
import type { EngineEvent } from "../../src/engine/ports.js";
import { openWorkspace, type GitWorkspace } from "../../src/git/git-workspace.js";
import { planSchema, type Plan, type PlanInput } from "../../src/plan/schema.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repo.js";

export interface Fixture {
  repo: TestRepo;
  workspace: GitWorkspace;
  plan: Plan;
  planBlob: string;
  events: EngineEvent[];
  run(options?: Partial<ExecuteOptions>): Promise<RunResult>;
  /** Subjects and Planwright-Task trailers of the commits after the initial one, oldest first. */
  taskCommits(): Promise<
    { subject: string; task: string | undefined; blob: string | undefined; sha: string }[]
  >;
  /** Paths changed by one commit. */
  filesOf(sha: string): Promise<string[]>;
}

/** A plan input with sensible test defaults around the given phases. */
export function planInput(phases: PlanInput["phases"], more: Partial<PlanInput> = {}): PlanInput {
  return { version: 1, id: "7-test", title: "Test plan", request: "test", phases, ...more };
}

export async function fixture(input: PlanInput, files?: Record<string, string>): Promise<Fixture> {
  const repo = await createTestRepo(files);
  const workspace = await openWorkspace(repo.dir);
  const plan = planSchema.parse(input);
  const planBlob = planBlobOf(JSON.stringify(input));
  const events: EngineEvent[] = [];
  const initial = await repo.git("rev-parse", "HEAD");
  return {
    repo,
    workspace,
    plan,
    planBlob,
    events,
    run: (options = {}) =>
      executePlan({
        plan,
        planBlob,
        workspace,
        reporter: { event: (e) => events.push(e) },
        backoff: { baseMs: 1, maxMs: 5 },
        ...options,
      }),
    async taskCommits() {
      const history = await workspace.history(initial);
      return history.map((c) => ({
        subject: c.subject,
        task: c.trailers["Planwright-Task"],
        blob: c.trailers["Planwright-Plan-Blob"],
        sha: c.sha,
      }));
    },
    async filesOf(sha) {
      const out = await repo.git("show", "--name-only", "--format=", sha);
      return out.split("\n").filter((l) => l !== "");
    },
  };
}
