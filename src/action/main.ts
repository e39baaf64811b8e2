/**
 * The Action's main: reads inputs and the event, calls the flow, sets the outputs and the job
 * summary, and fails the step with one clear line (never a stack trace alone). The same bundle is
 * the post step: when the main step did not finish (the workflow run was cancelled), it marks the
 * plan check run cancelled; the branch is at its last pushed task commit either way.
 */
import * as core from "@actions/core";
import { Octokit } from "@octokit/rest";
import type { Model } from "../engine/ports.js";
import { failureClassOf, messageOf, UsageError } from "../errors.js";
import { executePlanFlow, readConfig, type FlowResult, type PlanFlowDeps } from "../flows/execute-plan.js";
import type { Config } from "../config.js";
import type { GitHubGateway } from "../github/gateway.js";
import { createGateway, type OctokitLike } from "../github/octokit-gateway.js";
import { pushWithToken } from "../git/credential-push.js";
import { openWorkspace } from "../git/git-workspace.js";
import { hardenGit, refusePersistedCredentials } from "../git/harden-git.js";
import { apiLander } from "../flows/api-landing.js";
import { commandSandbox } from "../flows/command-sandbox.js";
import { ACTIONS_IDENTITY, botLoginOf } from "../flows/commit-proofs.js";
import { cancelRuns } from "./cancel-runs.js";
import { clean, localStatus, planFromComment, prStatus, redactSecrets, writeSummary } from "./commands.js";
import { loadSecrets } from "../engine/secret-env.js";
import { pullOfEvent, routeEvent, type Route, type RoutedCommand } from "./event-router.js";
import { envInputReader, readContext, readInputs, type ActionContext, type ActionInputs } from "./inputs.js";
import { renderJobSummary } from "./job-summary.js";
import { retryingGateway } from "./retrying-gateway.js";

/** What tests (and nothing else) replace. */
export interface ActionDeps {
  /** The model for edit tasks; Claude from `anthropic-api-key` by default. */
  model?: Model;
  octokit?: OctokitLike;
  /** Where SIGINT/SIGTERM come from. */
  signals?: Pick<NodeJS.Process, "once" | "removeListener">;
  checkIntervalMs?: number;
  commentIntervalMs?: number;
}

const STATE_PHASE = "planwright-phase";
const STATE_CHECK = "planwright-check";

/** Environment handed to task commands: no Action inputs (they hold the tokens), no runner tokens. */
function commandEnv(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(env).filter(([k]) => !k.startsWith("INPUT_") && !/^(ACTIONS_|GITHUB_TOKEN$)/.test(k)),
  );
}

function octokitFor(inputs: ActionInputs, context: ActionContext): OctokitLike {
  return new Octokit({
    auth: inputs.githubToken,
    baseUrl: context.apiUrl,
    userAgent: "planwright-action",
    request: { retries: 0 },
  });
}

/** The model SDK loads only when a key is given (edit tasks), so a run without it never pays for it. */
async function modelFor(inputs: ActionInputs, deps: ActionDeps): Promise<Model | undefined> {
  if (deps.model) return deps.model;
  if (!inputs.anthropicApiKey) return undefined;
  const [{ createModelClient }, { ClaudeModel }] = await Promise.all([
    import("../llm/client.js"),
    import("../llm/coding-agent.js"),
  ]);
  const client = createModelClient({
    model: inputs.model ?? "claude-sonnet-4-6",
    apiKey: inputs.anthropicApiKey,
    ...(inputs.anthropicBaseUrl ? { baseURL: inputs.anthropicBaseUrl } : {}),
    onWarning: (m) => core.warning(clean(m)),
  });
  return new ClaudeModel({ client });
}

/**
 * Pushes over HTTPS with the token through askpass (never in git config), to origin's URL or to a
 * fork given by URL, only while the remote branch is where the run expects it (a server-side lease).
 */
function httpsPush(
  root: string,
  originUrl: string,
  token: string,
): (remote: string, branch: string, expectedRemoteHead: string, sha?: string) => Promise<void> {
  return (remote, branch, expectedRemoteHead, sha) =>
    pushWithToken(root, remote === "origin" ? originUrl : remote, branch, token, {
      expectedRemoteHead,
      ...(sha ? { sha } : {}),
    });
}

/** Entry point of the bundle (main and post step). Never throws. */
export async function run(deps: ActionDeps = {}): Promise<void> {
  try {
    if (core.getState(STATE_PHASE) !== "") {
      await post();
      return;
    }
    core.saveState(STATE_PHASE, "main");
    const result = await main(deps);
    core.saveState(STATE_PHASE, "finished");
    if (result) report(result);
  } catch (error) {
    core.saveState(STATE_PHASE, "finished");
    core.setOutput("status", "failed");
    core.setFailed(
      clean(`planwright (${failureClassOf(error)}): ${messageOf(error).split("\n").slice(0, 5).join("\n")}`),
    );
  }
}

function report(result: FlowResult): void {
  core.setOutput("status", result.status);
  core.setOutput("tasks-done", String(result.tasksDone));
  core.setOutput("tasks-failed", String(result.tasksFailed));
  core.setOutput("cost-usd", result.costUsd.toFixed(4));
  core.setOutput("head-sha", result.head);
  if (result.status === "failed" || result.status === "refused" || result.status === "cancelled") {
    core.setFailed(clean(`planwright: ${result.message}`));
  } else if (result.status === "waiting") {
    core.notice(clean(`planwright: ${result.message}`));
  } else {
    core.info(clean(`planwright: ${result.message}`));
  }
}

async function main(deps: ActionDeps): Promise<FlowResult | undefined> {
  // first, before any child process: take every credential out of process.env and out of this
  // process's initial environment (/proc/<pid>/environ), so nothing the plan runs can read them
  const secrets = loadSecrets();
  // what the plan's commands get (scrubbed further by the engine) is the step's environment as
  // it came, without credentials; git itself then runs hardened, by absolute path
  const env: NodeJS.ProcessEnv = { ...process.env };
  hardenGit(process.env);
  const settings = { ...env, ...Object.fromEntries(secrets.values) };
  const inputs = readInputs(envInputReader(settings), settings);
  core.setSecret(inputs.githubToken);
  if (inputs.anthropicApiKey) core.setSecret(inputs.anthropicApiKey);
  redactSecrets([inputs.githubToken, inputs.anthropicApiKey, ...secrets.values.values()]);
  if (!secrets.environWiped) {
    core.warning(clean(`planwright: credentials may stay readable in /proc: ${secrets.reason ?? "unknown"}`));
  }
  const context = readContext(env);
  const workspace = await openWorkspace(context.workspace);
  await refusePersistedCredentials(workspace.root);
  const octokit = deps.octokit ?? octokitFor(inputs, context);
  const gateway = retryingGateway(createGateway(octokit, { owner: context.owner, repo: context.repo }), {
    onRetry: (what, error, delay) =>
      core.info(clean(`planwright: GitHub ${what}: ${messageOf(error)}; retrying in ${delay} ms`)),
  });

  if (inputs.command === "status" && inputs.pr === undefined && pullOfEvent(context) === undefined) {
    return localStatus(inputs, workspace);
  }
  let command: RoutedCommand;
  let pr = inputs.pr ?? pullOfEvent(context);
  let task = inputs.task;
  let onlyWhenApproved = false;
  if (inputs.command === "auto") {
    const config = await readConfig(gateway);
    const route = await routeEvent(context, gateway, config);
    if (route.kind === "ignore") {
      core.info(`planwright: nothing to do: ${route.reason}`);
      core.setOutput("status", "skipped");
      return undefined;
    }
    if (route.kind === "plan") return planFromComment(inputs, gateway, config, route);
    if (route.kind === "cancel") return cancelFromComment(gateway, config, context, route);
    command = route.kind === "approval" ? "execute" : route.command;
    onlyWhenApproved = route.kind === "approval";
    pr = route.pr;
    if (route.kind === "run" && route.task) task = route.task;
    if (route.kind === "run" && route.commentId)
      await gateway.addReaction(route.commentId, "eyes").catch(() => undefined);
  } else {
    command = inputs.command;
  }
  if (pr === undefined) throw new UsageError("input pr: required (the plan's pull request number)");

  const remoteUrl = (await workspace.git(["remote", "get-url", "origin"])).stdout.trim();
  const identity = inputs.appSlug ? botLoginOf(inputs.appSlug) : ACTIONS_IDENTITY;
  if (!inputs.appSlug) {
    core.warning(
      "planwright: no app-slug input: task commits are made as github-actions[bot], which any workflow of this repository with contents: write can also produce; give the App's slug (create-github-app-token's app-slug output)",
    );
  }
  const flowDeps: PlanFlowDeps = {
    gateway,
    workspace,
    identities: [identity],
    // every task and revert commit lands through GitHub's API, signed by GitHub for the token's
    // identity: that is what makes it provably Planwright's, and no git process sees the token
    land: apiLander({ gateway, workspace, identity }),
    sandboxFor: (config) =>
      commandSandbox(workspace, {
        mode: inputs.sandbox ?? config.execution.sandbox ?? "required",
        network: config.execution.sandbox_network,
        env,
        onWarning: (m) => core.warning(clean(m)),
      }),
    // a fork's branch is pushed over HTTPS, the token reaching one git push through askpass
    ...(/^https?:\/\//.test(remoteUrl)
      ? { push: httpsPush(workspace.root, remoteUrl, inputs.githubToken) }
      : {}),
    ...(inputs.forkRemote ? { forkRemote: inputs.forkRemote } : {}),
    ...(context.runUrl ? { detailsUrl: context.runUrl } : {}),
    commitUrl: `${context.serverUrl}/${context.owner}/${context.repo}/commit/`,
    ...(deps.checkIntervalMs !== undefined ? { checkIntervalMs: deps.checkIntervalMs } : {}),
    ...(deps.commentIntervalMs !== undefined ? { commentIntervalMs: deps.commentIntervalMs } : {}),
    onWarning: (m) => core.warning(clean(m)),
    onCheckRun: (id) => core.saveState(STATE_CHECK, String(id)),
  };
  const model = command === "rollback" || command === "status" ? undefined : await modelFor(inputs, deps);
  let result: FlowResult;
  if (command === "rollback") {
    const { rollbackPlanFlow } = await import("../flows/rollback-plan.js");
    result = await rollbackPlanFlow(flowDeps, {
      pull: pr,
      ...(task ? { task } : {}),
      ...(inputs.plan ? { planPath: inputs.plan } : {}),
    });
  } else if (command === "status") {
    result = await prStatus(flowDeps, pr, inputs.plan);
  } else {
    result = await withSignals(deps, (signal) =>
      executePlanFlow(flowDeps, {
        pull: pr,
        command,
        signal,
        env: commandEnv(env),
        onlyWhenApproved,
        ...(inputs.setup ? { setup: inputs.setup } : {}),
        ...(task ? { task } : {}),
        ...(inputs.plan ? { planPath: inputs.plan } : {}),
        ...(inputs.planBlob ? { planBlob: inputs.planBlob } : {}),
        ...(inputs.concurrency ? { concurrency: inputs.concurrency } : {}),
        ...(model ? { model } : {}),
      }),
    );
  }
  if (result.view) {
    await writeSummary(renderJobSummary(result.view, { commitUrl: flowDeps.commitUrl ?? "" }));
  }
  return result;
}

/**
 * `/cancel`: cancels the other runs of this workflow serving the PR. A /cancel with nothing to
 * cancel is no failure: the step says why and the comment gets a 😕.
 */
async function cancelFromComment(
  gateway: GitHubGateway,
  config: Config,
  context: ActionContext,
  route: Extract<Route, { kind: "cancel" }>,
): Promise<undefined> {
  await gateway.addReaction(route.commentId, "eyes").catch(() => undefined);
  const outcome = await cancelRuns(gateway, {
    pr: route.pr,
    workflow: context.workflowFile ?? config.execution.workflow,
    actor: route.actor,
    commentId: route.commentId,
    ...(context.runId !== undefined ? { selfRunId: context.runId } : {}),
  });
  core.setOutput("status", outcome.status === "cancelled" ? "succeeded" : "skipped");
  if (outcome.status === "skipped") {
    await gateway.addReaction(route.commentId, "confused").catch(() => undefined);
    core.notice(clean(`planwright: ${outcome.message}`));
  } else {
    core.info(clean(`planwright: ${outcome.message}`));
  }
  return undefined;
}

/** SIGINT/SIGTERM (a cancelled workflow run) abort the run: the current task is discarded. */
async function withSignals<T>(deps: ActionDeps, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const signals = deps.signals ?? process;
  const stop = () => {
    core.warning("planwright: cancelled; discarding the current task, the branch keeps its last task commit");
    controller.abort();
  };
  signals.once("SIGINT", stop);
  signals.once("SIGTERM", stop);
  try {
    return await work(controller.signal);
  } finally {
    signals.removeListener("SIGINT", stop);
    signals.removeListener("SIGTERM", stop);
  }
}

/** The post step: a main step that never finished was cancelled or killed. */
async function post(): Promise<void> {
  if (core.getState(STATE_PHASE) === "finished") return;
  const id = Number(core.getState(STATE_CHECK));
  if (!Number.isInteger(id) || id <= 0) return;
  const secrets = loadSecrets();
  const env = process.env;
  const inputs = readInputs(envInputReader({ ...env, ...Object.fromEntries(secrets.values) }));
  const context = readContext(env);
  const gateway = retryingGateway(
    createGateway(octokitFor(inputs, context), { owner: context.owner, repo: context.repo }),
  );
  await gateway.updateCheckRun(id, {
    status: "completed",
    conclusion: "cancelled",
    title: "Cancelled",
    summary:
      "The workflow run was cancelled. The branch stays at its last task commit; run `/execute` to resume.",
  });
  core.info("planwright: marked the plan check run cancelled");
}
