/**
 * The planner: request (+ issue, repository, configuration) -> a valid plan. Claude answers through
 * a forced `submit_plan` tool call whose input schema is the plan's own JSON Schema; the answer is
 * serialised to YAML and checked by the same loader that checks hand-written plans. Problems go
 * back to the model as a repair turn, a bounded number of times, then fail with the problems quoted.
 */
import type { Usage } from "../engine/ports.js";
import type { Diagnostic } from "../plan/diagnostics.js";
import {
  ID_PATTERN,
  planJsonSchema,
  type Budget,
  type Defaults,
  type Plan,
  type Policy,
} from "../plan/schema.js";
import type { MessageParam, ModelClient, Tool } from "./client.js";
import { planToYaml } from "./plan-yaml.js";
import { submitWithRepairs } from "./repair-loop.js";
import { PLANNER_SYSTEM } from "./prompts.js";
import { buildRepoContext, type RepoContext, type RepoReader } from "./repo-context.js";
import { wrapUntrusted } from "./sanitize.js";

/** The issue a request came from. Comments must already be limited to users allowed to command. */
export interface IssueInput {
  number?: number;
  title?: string;
  body?: string;
  comments?: { author: string; body: string }[];
}

/** The parts of the repository configuration the planner writes into the plan. */
export interface PlannerConfig {
  policy?: Policy;
  defaults?: Defaults;
  budget?: Budget;
}

export interface PlannerInput {
  request: string;
  issue?: IssueInput;
  repo: RepoReader;
  config?: PlannerConfig;
  base?: { ref: string; sha?: string };
}

export interface PlannerOptions {
  client: ModelClient;
  /** Repair turns after the first answer. Default 2. */
  maxRepairs?: number;
  /** Token budget of the repository context. Default 24,000. */
  contextTokens?: number;
  /** max_tokens of each answer. Default 16,000. */
  maxTokens?: number;
  extraDeny?: readonly string[];
  signal?: AbortSignal;
}

export interface PlannerResult {
  plan: Plan;
  /** The plan file's text. */
  yaml: string;
  /** Warnings the loader found in the accepted plan. */
  warnings: Diagnostic[];
  usage: Usage;
  /** Model answers it took (1 when the first was valid). */
  attempts: number;
  context: RepoContext;
}

/** A lowercase dash-separated slug that fits a plan id, at most `max` characters, cut at a word. */
export function slugify(text: string, max = 40): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (slug.length <= max) return slug || "plan";
  const cut = slug.slice(0, max + 1);
  const at = cut.lastIndexOf("-");
  return (at > 0 ? cut.slice(0, at) : slug.slice(0, max)).replace(/-+$/, "") || "plan";
}

/** Plan id: `<issue>-<slug of the request>` with an issue number, else the slug of the title. */
export function planIdFor(request: string, title: string, issue?: number): string {
  const id = issue !== undefined ? `${issue}-${slugify(request)}` : slugify(title || request);
  return ID_PATTERN.test(id) ? id : slugify(id.replace(/^-+/, ""), 62);
}

/** Fields we fill in ourselves rather than ask the model for. */
const OWN_FIELDS = ["version", "id", "request", "issue", "base"];

/** The `submit_plan` tool: the plan's JSON Schema, minus the fields Planwright fills in. */
export function submitPlanTool(description = "Submit the complete plan."): Tool {
  const schema = planJsonSchema();
  const properties = { ...(schema["properties"] as Record<string, unknown>) };
  for (const key of OWN_FIELDS) delete properties[key];
  const required = (schema["required"] as string[]).filter((k) => !OWN_FIELDS.includes(k));
  return {
    name: "submit_plan",
    description,
    input_schema: { type: "object", properties, required, additionalProperties: false },
  };
}

const unique = (list: readonly string[]) => [...new Set(list)];

/** The model's plan with our own fields set and the configuration written in (it wins on budget). */
export function completePlan(
  raw: Record<string, unknown>,
  fields: { id: string; request: string; issue?: number; base?: { ref: string; sha?: string } },
  config: PlannerConfig = {},
): Record<string, unknown> {
  const plan: Record<string, unknown> = { ...raw, version: 1, id: fields.id, request: fields.request };
  if (fields.issue !== undefined) plan["issue"] = fields.issue;
  else delete plan["issue"];
  if (fields.base) plan["base"] = fields.base;
  if (config.budget) plan["budget"] = { ...(raw["budget"] as object | undefined), ...config.budget };
  if (config.defaults) plan["defaults"] = { ...config.defaults, ...(raw["defaults"] as object | undefined) };
  if (config.policy) {
    const own = (raw["policy"] ?? {}) as Policy;
    const deny = unique([...(own.paths?.deny ?? []), ...(config.policy.paths?.deny ?? [])]);
    const allow = own.paths?.allow ?? config.policy.paths?.allow;
    const commands = config.policy.commands?.allow ?? own.commands?.allow;
    plan["policy"] = {
      ...(allow || deny.length > 0
        ? { paths: { ...(allow ? { allow } : {}), ...(deny.length > 0 ? { deny } : {}) } }
        : {}),
      ...(commands ? { commands: { allow: commands } } : {}),
    };
  }
  return plan;
}

function requestText(input: PlannerInput): string {
  const parts = [wrapUntrusted("change request", input.request)];
  const issue = input.issue;
  if (issue) {
    const label = issue.number !== undefined ? `issue #${issue.number}` : "issue";
    if (issue.title) parts.push(wrapUntrusted(`${label} title`, issue.title));
    if (issue.body) parts.push(wrapUntrusted(`${label} body`, issue.body));
    for (const c of issue.comments ?? [])
      parts.push(wrapUntrusted(`${label} comment by @${c.author}`, c.body));
  }
  const config = input.config ?? {};
  if (config.policy || config.defaults || config.budget) {
    parts.push(`Repository configuration (binding):\n${JSON.stringify(config, null, 2)}`);
  }
  parts.push("Plan this change request and submit the plan with submit_plan.");
  return parts.join("\n\n");
}

/** Plans `input.request`; throws ValidationError quoting the problems when repairs run out. */
export async function generatePlan(input: PlannerInput, options: PlannerOptions): Promise<PlannerResult> {
  const maxRepairs = options.maxRepairs ?? 2;
  const context = await buildRepoContext(input.repo, input.request, {
    tokenBudget: options.contextTokens ?? 24_000,
  });
  const tool = submitPlanTool();
  const messages: MessageParam[] = [
    {
      role: "user",
      content: [
        {
          type: "text",
          text: `# Repository\n\n${context.text}`,
          cache_control: { type: "ephemeral" },
        },
        { type: "text", text: requestText(input) },
      ],
    },
  ];
  const result = await submitWithRepairs({
    model: options,
    system: PLANNER_SYSTEM,
    tool,
    messages,
    maxRepairs,
    subject: "the model's plan",
    toYaml: (raw) => {
      const title = typeof raw["title"] === "string" ? raw["title"] : input.request;
      const id = planIdFor(input.request, title, input.issue?.number);
      const fields = {
        id,
        request: input.request,
        issue: input.issue?.number,
        ...(input.base ? { base: input.base } : {}),
      };
      return planToYaml(completePlan(raw, fields, input.config));
    },
  });
  const { plan, yaml, warnings, usage, attempts } = result;
  return { plan, yaml, warnings, usage, attempts, context };
}
