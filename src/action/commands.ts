/**
 * The Action's commands besides executing: `status` (from the branch, read-only) and `/plan` in
 * Action-only mode; and the job summary writer they share with main.
 */
import * as core from "@actions/core";
import { appendFile } from "node:fs/promises";
import type { Config } from "../config.js";
import { deriveState } from "../engine/state.js";
import { PlanwrightError, UsageError } from "../errors.js";
import { checkoutPlan, resultOf, type FlowResult, type PlanFlowDeps } from "../flows/execute-plan.js";
import { createRunView } from "../github/check-run-reporter.js";
import type { GitHubGateway } from "../github/gateway.js";
import type { openWorkspace } from "../git/git-workspace.js";
import { formatProblems, loadPlan } from "../plan/load-plan.js";
import { createRedactor, redact } from "../redact.js";
import type { Route } from "./event-router.js";
import type { ActionInputs } from "./inputs.js";
import { renderJobSummary } from "./job-summary.js";

/** Logins the Action writes as: markers in comments are trusted only from these. */
const OUR_LOGINS = ["github-actions[bot]", "planwright[bot]"];

/** `/plan` in Action-only mode: the same flow as the App's, with the model from the inputs. */
export async function planFromComment(
  inputs: ActionInputs,
  gateway: GitHubGateway,
  config: Config,
  route: Extract<Route, { kind: "plan" }>,
): Promise<FlowResult | undefined> {
  if (!inputs.anthropicApiKey) throw new UsageError("input anthropic-api-key: required to answer /plan");
  // the planner and the model SDK load only for /plan
  const [{ createModelClient }, { requestPlan }] = await Promise.all([
    import("../llm/client.js"),
    import("../flows/request-plan.js"),
  ]);
  const client = createModelClient({
    model: inputs.model ?? config.model,
    apiKey: inputs.anthropicApiKey,
    ...(inputs.anthropicBaseUrl ? { baseURL: inputs.anthropicBaseUrl } : {}),
    onWarning: (m) => core.warning(clean(m)),
  });
  const outcome = await requestPlan(
    { gateway, planner: { client }, config, ourLogins: OUR_LOGINS, log: (line) => core.info(line) },
    {
      issue: route.issue,
      commentId: route.commentId,
      requester: route.requester,
      request: route.request,
      ...(route.issueData ? { issueData: route.issueData } : {}),
      ...(route.defaultBranch ? { defaultBranch: route.defaultBranch } : {}),
    },
  );
  if (outcome.status === "failed") throw new PlanwrightError(outcome.failureClass, outcome.message);
  core.setOutput("status", outcome.status === "duplicate" ? "skipped" : "succeeded");
  const pull =
    "pull" in outcome ? (typeof outcome.pull === "number" ? outcome.pull : outcome.pull?.number) : undefined;
  if (pull !== undefined) core.setOutput("pr", String(pull));
  core.info(`planwright: /plan ${outcome.status}${pull !== undefined ? ` (#${pull})` : ""}`);
  return undefined;
}

let redactor: (text: string) => string = redact;

/**
 * Makes {@link clean} also replace these secret values (the tokens of the inputs and every
 * credential in the step's environment), besides the token formats it always knows.
 */
export function redactSecrets(values: readonly (string | undefined)[]): void {
  redactor = createRedactor(values);
}

/** Text bound for the log or the job summary, with secrets replaced. */
export function clean(text: string): string {
  return redactor(text);
}

/** Appends to the job summary (GITHUB_STEP_SUMMARY), redacted; the path is read fresh each time, unlike core.summary. */
export async function writeSummary(markdown: string): Promise<void> {
  const file = process.env["GITHUB_STEP_SUMMARY"];
  if (file) await appendFile(file, clean(markdown), "utf8");
  else core.info(clean(markdown));
}

/** `status` with a pull request: where the plan stands, from the branch; writes nothing to GitHub. */
export async function prStatus(deps: PlanFlowDeps, pr: number, planPath?: string): Promise<FlowResult> {
  const co = await checkoutPlan(deps, pr, planPath);
  return statusResult(co.plan, co.planBlob, co.head, await deps.workspace.history());
}

/** `status` without a pull request: a plan file in the checkout, state from the local history. */
export async function localStatus(
  inputs: ActionInputs,
  workspace: Awaited<ReturnType<typeof openWorkspace>>,
): Promise<FlowResult> {
  if (!inputs.plan) throw new UsageError("input plan: required for status without a pull request");
  const path = inputs.plan;
  const file = await workspace.git(["rev-parse", "--verify", "--quiet", `HEAD:${path}`], {
    okCodes: [1, 128],
  });
  if (file.code !== 0) throw new UsageError(`input plan: ${path} is not committed at HEAD`);
  const text = (await workspace.git(["cat-file", "blob", file.stdout.trim()])).stdout;
  const loaded = loadPlan(text);
  if (!loaded.plan)
    throw new UsageError(
      formatProblems(path, loaded.diagnostics.filter((d) => d.severity === "error").slice(0, 5)),
    );
  const result = statusResult(
    loaded.plan,
    file.stdout.trim(),
    await workspace.head(),
    await workspace.history(),
  );
  if (result.view) await writeSummary(renderJobSummary(result.view));
  return result;
}

function statusResult(
  plan: Parameters<typeof deriveState>[0],
  blob: string,
  head: string,
  history: Parameters<typeof deriveState>[2],
): FlowResult {
  const state = deriveState(plan, blob, history);
  const done = new Map([...state.tasks].filter(([, s]) => s.status === "done").map(([id, s]) => [id, s.sha]));
  const view = createRunView(plan, head, done);
  const all = state.done === state.total;
  const message = `${state.done}/${state.total} tasks done`;
  Object.assign(view, { message, outcome: all ? "succeeded" : "pending" });
  return resultOf(view, all ? "succeeded" : "pending", message);
}
