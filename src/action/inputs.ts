/**
 * The Action's inputs (action/action.yml) and the workflow run's context, read once and checked:
 * a bad input is one line naming the input and what is wrong with it.
 */
import { readFileSync } from "node:fs";
import { UsageError } from "../errors.js";
import { ID_PATTERN } from "../plan/schema.js";

/** The `command` input's values; `auto` decides from the triggering event (Action-only mode). */
export const ACTION_COMMANDS = [
  "execute",
  "rollback",
  "retry",
  "skip",
  "continue",
  "status",
  "auto",
] as const;
export type ActionCommand = (typeof ACTION_COMMANDS)[number];

/** The checked inputs of action/action.yml. */
export interface ActionInputs {
  command: ActionCommand;
  pr?: number;
  plan?: string;
  planBlob?: string;
  task?: string;
  githubToken: string;
  anthropicApiKey?: string;
  model?: string;
  /** The Anthropic API's address, from the step's `ANTHROPIC_BASE_URL` (a proxy or gateway). */
  anthropicBaseUrl?: string;
  concurrency?: number;
  /** Clone URL of the fork a pull request comes from (with `execution.allow_forks`). */
  forkRemote?: string;
  /** The slug of the App whose token `github-token` is: its `<slug>[bot]` lands the commits. */
  appSlug?: string;
  /** Run once in the sandbox before the first task (`npm ci`): install scripts never run outside it. */
  setup?: string;
  /** Where commands run (the configuration's `execution.sandbox`, else required, when absent). */
  sandbox?: "required" | "auto" | "off";
}

/** What the runner tells every step (GITHUB_* variables and the event payload). */
export interface ActionContext {
  owner: string;
  repo: string;
  apiUrl: string;
  serverUrl: string;
  eventName: string;
  event: Record<string, unknown>;
  workspace: string;
  runUrl?: string;
  /** This workflow run's id (GITHUB_RUN_ID). */
  runId?: number;
  /** This run's workflow file name, from GITHUB_WORKFLOW_REF (`o/r/.github/workflows/<file>@ref`). */
  workflowFile?: string;
}

/** Reads an input the way @actions/core does (INPUT_<NAME>, spaces to underscores, upper case). */
export type InputReader = (name: string) => string;

/** Reads inputs from an environment (INPUT_* variables) rather than process.env, for tests and the post step. */
export function envInputReader(env: Readonly<Record<string, string | undefined>>): InputReader {
  return (name) => (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

function positive(name: string, text: string, max: number): number | undefined {
  if (text === "") return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(
      `input ${name}: must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`,
    );
  return n;
}

/**
 * The inputs, checked; throws UsageError naming the input. `env` is the step's environment with
 * its credentials, for `ANTHROPIC_BASE_URL` (taken out of process.env with them, as its name says
 * Anthropic).
 */
export function readInputs(
  input: InputReader,
  env: Readonly<Record<string, string | undefined>> = {},
): ActionInputs {
  const command = (input("command") || "auto").toLowerCase();
  if (!(ACTION_COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(
      `input command: must be one of ${ACTION_COMMANDS.join(", ")}, got ${JSON.stringify(command)}`,
    );
  }
  const githubToken = input("github-token");
  if (githubToken === "")
    throw new UsageError(
      "input github-token: required (an installation token of the Planwright App, or GITHUB_TOKEN)",
    );
  const task = input("task");
  if (task !== "" && !ID_PATTERN.test(task))
    throw new UsageError(`input task: not a task id: ${JSON.stringify(task.slice(0, 80))}`);
  if (command === "skip" && task === "") throw new UsageError("input task: required for command skip");
  const planBlob = input("plan-blob");
  if (planBlob !== "" && !/^[0-9a-f]{40}$/.test(planBlob))
    throw new UsageError(
      `input plan-blob: must be a 40-character git blob sha, got ${JSON.stringify(planBlob.slice(0, 80))}`,
    );
  const plan = input("plan");
  if (plan.startsWith("/") || plan.split("/").includes(".."))
    throw new UsageError(`input plan: must be a path inside the repository, got ${JSON.stringify(plan)}`);
  const pr = positive("pr", input("pr"), 2 ** 31);
  const concurrency = positive("concurrency", input("concurrency"), 32);
  const anthropicApiKey = input("anthropic-api-key");
  const model = input("model");
  const forkRemote = input("fork-remote");
  if (forkRemote !== "" && !/^https:\/\/[^\s@]+$/.test(forkRemote))
    throw new UsageError(
      `input fork-remote: must be an https clone URL without credentials, got ${JSON.stringify(forkRemote)}`,
    );
  const appSlug = input("app-slug");
  if (appSlug !== "" && !/^[a-z0-9][a-z0-9-]{0,62}(\[bot\])?$/i.test(appSlug))
    throw new UsageError(`input app-slug: not an App slug: ${JSON.stringify(appSlug.slice(0, 80))}`);
  const setup = input("setup");
  const sandbox = input("sandbox").toLowerCase();
  if (sandbox !== "" && !["required", "auto", "off"].includes(sandbox))
    throw new UsageError(`input sandbox: must be required, auto or off, got ${JSON.stringify(sandbox)}`);
  const anthropicBaseUrl = (env["ANTHROPIC_BASE_URL"] ?? "").trim();
  if (anthropicBaseUrl !== "" && !/^https?:\/\/[^\s@]+$/.test(anthropicBaseUrl))
    throw new UsageError(
      `ANTHROPIC_BASE_URL: must be an http(s) URL without credentials, got ${JSON.stringify(anthropicBaseUrl.slice(0, 80))}`,
    );
  return {
    command: command as ActionCommand,
    githubToken,
    ...(pr !== undefined ? { pr } : {}),
    ...(plan ? { plan } : {}),
    ...(planBlob ? { planBlob } : {}),
    ...(task ? { task } : {}),
    ...(anthropicApiKey ? { anthropicApiKey } : {}),
    ...(model ? { model } : {}),
    ...(anthropicBaseUrl ? { anthropicBaseUrl } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(forkRemote ? { forkRemote } : {}),
    ...(appSlug ? { appSlug } : {}),
    ...(setup ? { setup } : {}),
    ...(sandbox ? { sandbox: sandbox as "required" | "auto" | "off" } : {}),
  };
}

/** The run's context from the GITHUB_* environment. */
export function readContext(env: Readonly<Record<string, string | undefined>>): ActionContext {
  const repository = env["GITHUB_REPOSITORY"] ?? "";
  const [owner, repo] = repository.split("/");
  if (!owner || !repo)
    throw new UsageError(`GITHUB_REPOSITORY must be owner/name, got ${JSON.stringify(repository)}`);
  let event: Record<string, unknown> = {};
  const path = env["GITHUB_EVENT_PATH"];
  if (path) {
    try {
      event = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`cannot read the event payload ${path}: ${(error as Error).message}`);
    }
  }
  const serverUrl = (env["GITHUB_SERVER_URL"] ?? "https://github.com").replace(/\/$/, "");
  const runId = env["GITHUB_RUN_ID"];
  const workflowFile = /\/\.github\/workflows\/([^/@]+)@/.exec(env["GITHUB_WORKFLOW_REF"] ?? "")?.[1];
  return {
    owner,
    repo,
    apiUrl: (env["GITHUB_API_URL"] ?? "https://api.github.com").replace(/\/$/, ""),
    serverUrl,
    eventName: env["GITHUB_EVENT_NAME"] ?? "workflow_dispatch",
    event,
    workspace: env["GITHUB_WORKSPACE"] ?? process.cwd(),
    ...(runId ? { runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${runId}` } : {}),
    ...(runId && /^\d+$/.test(runId) ? { runId: Number(runId) } : {}),
    ...(workflowFile ? { workflowFile } : {}),
  };
}
