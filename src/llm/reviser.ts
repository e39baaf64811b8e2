/**
 * The reviser: plan + review -> revised plan and a change summary for the PR comment; and the
 * planning assistant's review modes, which return suggestions to apply selectively. Review text is
 * untrusted and reaches the model wrapped as data; the revised plan must pass the plan loader, with
 * repair turns as in the planner.
 */
import { ValidationError } from "../errors.js";
import type { Usage } from "../engine/ports.js";
import type { Plan, Task } from "../plan/schema.js";
import type { MessageParam, ModelClient, Tool } from "./client.js";
import { completePlan, submitPlanTool } from "./planner.js";
import { submitWithRepairs, toolCall } from "./repair-loop.js";
import { planToYaml } from "./plan-yaml.js";
import { submitSuggestionsTool, type Suggestion } from "./plan-suggestions.js";
import { REVIEW_MODE_PROMPTS, REVISER_SYSTEM, type ReviewMode } from "./prompts.js";
import { wrapUntrusted } from "./sanitize.js";

/** A review's body (the summary a reviewer writes when approving or requesting changes). */
export interface ReviewBody {
  author?: string;
  body: string;
}

/** An inline review comment on the plan file. */
export interface InlineComment {
  author?: string;
  path?: string;
  line?: number;
  body: string;
}

export interface ReviseInput {
  plan: Plan;
  /** The plan file as reviewers saw it, so inline comments' line numbers match; else it is re-serialised. */
  planText?: string;
  reviews?: ReviewBody[];
  comments?: InlineComment[];
  /** A person's instruction on top of the review (e.g. from `/revise split the login task`). */
  instruction?: string;
}

export interface ReviseOptions {
  client: ModelClient;
  /** Repair turns after the first answer. Default 2. */
  maxRepairs?: number;
  maxTokens?: number;
  extraDeny?: readonly string[];
  signal?: AbortSignal;
}

/** Tasks added, removed and changed between two plans, and a markdown line list for a PR comment. */
export interface ChangeSummary {
  added: string[];
  removed: string[];
  changed: string[];
  text: string;
}

export interface ReviseResult {
  plan: Plan;
  yaml: string;
  summary: ChangeSummary;
  /** What the model says it did or refused to do. */
  notes: string;
  usage: Usage;
  attempts: number;
}

function tasksOf(plan: Plan): Map<string, { task: Task; phase: string; index: number }> {
  const out = new Map<string, { task: Task; phase: string; index: number }>();
  let index = 0;
  for (const phase of plan.phases)
    for (const task of phase.tasks) out.set(task.id, { task, phase: phase.id, index: index++ });
  return out;
}

/** Compares two plans task by task (a task moved to another phase counts as changed). */
export function summarizeChanges(before: Plan, after: Plan): ChangeSummary {
  const old = tasksOf(before);
  const now = tasksOf(after);
  const added = [...now.keys()].filter((id) => !old.has(id));
  const removed = [...old.keys()].filter((id) => !now.has(id));
  const changed = [...now.keys()].filter((id) => {
    const a = old.get(id);
    const b = now.get(id);
    return a && b && (a.phase !== b.phase || JSON.stringify(a.task) !== JSON.stringify(b.task));
  });
  const lines: string[] = [];
  const list = (ids: string[]) => ids.map((id) => `\`${id}\``).join(", ");
  if (added.length) lines.push(`- **Added** (${added.length}): ${list(added)}`);
  if (removed.length) lines.push(`- **Removed** (${removed.length}): ${list(removed)}`);
  if (changed.length) lines.push(`- **Changed** (${changed.length}): ${list(changed)}`);
  const { phases: _a, ...restBefore } = before;
  const { phases: _b, ...restAfter } = after;
  if (JSON.stringify(restBefore) !== JSON.stringify(restAfter))
    lines.push("- Plan settings changed (summary, budget, policy or defaults)");
  if (lines.length === 0) lines.push("- No changes");
  return { added, removed, changed, text: lines.join("\n") };
}

function numbered(yaml: string): string {
  return yaml
    .split("\n")
    .map((line, i) => `${String(i + 1).padStart(4)}  ${line}`)
    .join("\n");
}

function reviewText(input: Omit<ReviseInput, "plan">): string {
  const parts: string[] = [];
  for (const r of input.reviews ?? []) {
    if (r.body.trim()) parts.push(wrapUntrusted(`review by @${r.author ?? "reviewer"}`, r.body));
  }
  for (const c of input.comments ?? []) {
    const where = c.path ? ` on ${c.path}${c.line !== undefined ? ` line ${c.line}` : ""}` : "";
    parts.push(wrapUntrusted(`inline comment by @${c.author ?? "reviewer"}${where}`, c.body));
  }
  if (input.instruction) parts.push(wrapUntrusted("instruction", input.instruction));
  return parts.join("\n\n");
}

function opening(input: { plan: Plan; planText?: string }, review: string, ask: string): MessageParam {
  return {
    role: "user",
    content: [
      {
        type: "text",
        text: `# The current plan (line numbers as in the plan file)\n\n${numbered(input.planText ?? planToYaml(input.plan))}`,
        cache_control: { type: "ephemeral" },
      },
      { type: "text", text: `${review || "(no review text)"}\n\n${ask}` },
    ],
  };
}

function reviseTool(): Tool {
  const plan = submitPlanTool().input_schema;
  return {
    name: "submit_revision",
    description: "Submit the complete revised plan and notes for the reviewers.",
    input_schema: {
      type: "object",
      properties: {
        plan,
        notes: {
          type: "string",
          description: "two or three sentences: what changed and why; what was not done",
        },
      },
      required: ["plan", "notes"],
    },
  };
}

/** Revises the plan to answer the review; throws ValidationError quoting the problems when repairs run out. */
export async function revisePlan(input: ReviseInput, options: ReviseOptions): Promise<ReviseResult> {
  const maxRepairs = options.maxRepairs ?? 2;
  const tool = reviseTool();
  const messages: MessageParam[] = [
    opening(
      input,
      reviewText(input),
      "Revise the plan to answer this review and submit it with submit_revision.",
    ),
  ];
  const old = input.plan;
  const fields = {
    id: old.id,
    request: old.request,
    ...(old.issue !== undefined ? { issue: old.issue } : {}),
    ...(old.base ? { base: old.base } : {}),
  };
  const result = await submitWithRepairs({
    model: options,
    system: REVISER_SYSTEM,
    tool,
    messages,
    maxRepairs,
    subject: "the revised plan",
    toYaml: (answer) => {
      const plan = answer["plan"];
      if (typeof plan !== "object" || plan === null) return undefined;
      return planToYaml(completePlan(plan as Record<string, unknown>, fields));
    },
  });
  const notes = typeof result.input["notes"] === "string" ? result.input["notes"] : "";
  return {
    plan: result.plan,
    yaml: result.yaml,
    summary: summarizeChanges(old, result.plan),
    notes,
    usage: result.usage,
    attempts: result.attempts,
  };
}

export interface SuggestInput extends Omit<ReviseInput, "plan"> {
  plan: Plan;
  mode: ReviewMode;
}

/** The review modes (refine, add-missing, reorder, split): suggestions, not yet applied. */
export async function suggestPlanChanges(
  input: SuggestInput,
  options: Omit<ReviseOptions, "maxRepairs" | "extraDeny">,
): Promise<{ suggestions: Suggestion[]; usage: Usage }> {
  const tool = submitSuggestionsTool();
  const ask = `${REVIEW_MODE_PROMPTS[input.mode]} Submit them with submit_suggestions (an empty list when the plan needs none).`;
  const { message, usage } = await options.client.create(
    {
      max_tokens: options.maxTokens ?? 8_000,
      system: [{ type: "text", text: REVISER_SYSTEM, cache_control: { type: "ephemeral" } }],
      tools: [tool],
      tool_choice: { type: "tool", name: tool.name },
      messages: [opening(input, reviewText(input), ask)],
    },
    options.signal ? { signal: options.signal } : {},
  );
  const call = toolCall(message.content, tool.name);
  const list = (call?.input as { suggestions?: unknown } | undefined)?.suggestions;
  if (!Array.isArray(list)) {
    throw new ValidationError("the model did not return a list of suggestions (submit_suggestions)");
  }
  const kinds = new Set(["update_task", "add_task", "set_needs", "move_task", "split_task"]);
  const suggestions = list.filter(
    (s): s is Suggestion =>
      typeof s === "object" && s !== null && kinds.has((s as { kind?: string }).kind ?? ""),
  );
  return { suggestions, usage };
}
