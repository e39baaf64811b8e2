/**
 * The coding agent behind `edit` tasks: Claude in a bounded tool loop over the AgentTools the
 * engine hands it. The engine enforces the plan's policy inside the tools; a refusal comes back
 * here as a PolicyError, is shown to the model as an error result and counted. Limits (turns,
 * tokens, USD per task and per plan, wall-clock time) fail closed with a PolicyError that names
 * the limit.
 *
 * Prompt order is chosen for the prompt cache: tools, system prompt, then the plan and repository
 * map (identical for every task of a plan), then the task and the conversation. Breakpoints sit on
 * the last tool, the system prompt, the plan block and the newest turn.
 */
import { CancelledError, PlanwrightError, PolicyError } from "../errors.js";
import {
  ZERO_USAGE,
  addUsage,
  noteSpentUsage,
  type AgentTools,
  type Clock,
  type EditRequest,
  type EditResult,
  type Model,
  type Usage,
} from "../engine/ports.js";
import type { Plan, Task } from "../plan/schema.js";
import { systemClock, type MessageParam, type ModelClient, type ToolResultBlockParam } from "./client.js";
import { CODER_TOOLS, runAgentTool, type ToolOutcome } from "./coder-tools.js";
import { planToYaml } from "./plan-yaml.js";
import { CODER_SYSTEM } from "./prompts.js";
import { trimmedTree } from "./repo-context.js";
import { cacheReadShare, formatUsage } from "./usage.js";

export interface ClaudeModelOptions {
  client: ModelClient;
  /** max_tokens of each answer. Default 8,192. */
  maxTokensPerAnswer?: number;
  /** Turns per task when the plan's budget.max_turns_per_task is not set. Default 30. */
  maxTurnsPerTask?: number;
  /** Prompt and output tokens one task may use in all attempts. Default unlimited. */
  maxTokensPerTask?: number;
  /** USD one task may cost (all its attempts). Default unlimited. */
  maxUsdPerTask?: number;
  /** USD the whole plan may cost; defaults to the plan's budget.max_usd. */
  maxUsdPerPlan?: number;
  /** Wall-clock time of one attempt. Default unlimited (the engine's task timeout still applies). */
  taskTimeoutMs?: number;
  /** Policy refusals tolerated in one attempt before stopping. Default 5. */
  maxRefusals?: number;
  /** Characters of the repository map. Default 16,000 (about 4k tokens). */
  repoMapChars?: number;
  clock?: Clock;
  /** Called after every model call with the task's id and that call's usage. */
  onUsage?: (taskId: string, usage: Usage) => void;
}

/** What one attempt at one task did. */
export interface AgentAttemptStats {
  taskId: string;
  attempt: number;
  turns: number;
  usage: Usage;
  refusals: number;
  failedEdits: number;
  toolCalls: Record<string, number>;
  outcome: "finished" | "stopped" | "failed";
  /** Why it stopped, when a limit or an error ended it. */
  reason?: string;
}

/** Output noise that changes between runs (timings) is normalised so prompts stay identical. */
export function stableOutput(text: string): string {
  return text
    .replace(/\bduration_ms\s+[\d.]+/g, "duration_ms <n>")
    .replace(/\b\d+(?:\.\d+)?\s?(ms|s)\b/g, "<n>$1")
    .replace(/\bin \d+(?:\.\d+)?s\b/g, "in <n>s");
}

const DEFAULT_MAX_TURNS = 30;

/** The Model port over Claude. One instance per run: it keeps plan-wide cost and the repository map. */
export class ClaudeModel implements Model {
  private readonly options: ClaudeModelOptions;
  private readonly clock: Clock;
  private readonly attempts: AgentAttemptStats[] = [];
  private readonly prefixes = new Map<string, string>();
  private planUsage = new Map<string, Usage>();

  constructor(options: ClaudeModelOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
  }

  /** Every attempt so far, in order. */
  stats(): readonly AgentAttemptStats[] {
    return this.attempts;
  }

  /** Usage of every model call this model made. */
  totalUsage(): Usage {
    return this.attempts.reduce((sum, a) => addUsage(sum, a.usage), { ...ZERO_USAGE });
  }

  /** Share of prompt tokens that were cache reads, across all tasks so far. */
  cacheReadShare(): number {
    return cacheReadShare(this.attempts.map((a) => a.usage));
  }

  /** "coding agent: 3 task attempt(s), 14 turn(s), $0.0421 (… in, … out, 72% cached), 1 policy refusal(s)". */
  report(): string {
    const turns = this.attempts.reduce((n, a) => n + a.turns, 0);
    const refusals = this.attempts.reduce((n, a) => n + a.refusals, 0);
    return (
      `coding agent: ${this.attempts.length} task attempt(s), ${turns} turn(s), ${formatUsage(this.totalUsage())}, ` +
      `${refusals} policy refusal(s)`
    );
  }

  async edit(request: EditRequest): Promise<EditResult> {
    const { plan, task, tools, signal } = request;
    const stats: AgentAttemptStats = {
      taskId: task.id,
      attempt: request.attempt,
      turns: 0,
      usage: { ...ZERO_USAGE },
      refusals: 0,
      failedEdits: 0,
      toolCalls: {},
      outcome: "failed",
    };
    this.attempts.push(stats);
    const prefix = await this.stablePrefix(plan, tools);
    const messages: MessageParam[] = [
      {
        role: "user",
        content: [
          { type: "text", text: prefix, cache_control: { type: "ephemeral" } },
          { type: "text", text: taskText(plan, task, request.attempt, request.previousFailure) },
        ],
      },
    ];
    const started = this.clock.now();
    try {
      for (;;) {
        this.checkLimits(plan, task, stats, started, signal);
        const { message, usage } = await this.options.client.create(
          {
            max_tokens: this.options.maxTokensPerAnswer ?? 8_192,
            system: [{ type: "text", text: CODER_SYSTEM, cache_control: { type: "ephemeral" } }],
            tools: CODER_TOOLS,
            messages: withTurnBreakpoint(messages),
          },
          { signal },
        );
        stats.turns += 1;
        stats.usage = addUsage(stats.usage, usage);
        this.planUsage.set(plan.id, addUsage(this.planUsage.get(plan.id) ?? ZERO_USAGE, usage));
        this.options.onUsage?.(task.id, usage);
        messages.push({ role: "assistant", content: message.content });

        const calls = message.content.filter((b) => b.type === "tool_use");
        if (calls.length === 0) {
          if (message.stop_reason === "max_tokens") {
            messages.push({
              role: "user",
              content: "Your answer was cut off at the token limit. Continue with smaller steps.",
            });
            continue;
          }
          // an answer without tools is the model saying it is done
          const text = message.content.map((b) => (b.type === "text" ? b.text : "")).join("\n");
          stats.outcome = "finished";
          return { summary: text.trim() || `${task.title}: done`, usage: stats.usage };
        }
        const results: ToolResultBlockParam[] = [];
        let summary: string | undefined;
        for (const call of calls) {
          stats.toolCalls[call.name] = (stats.toolCalls[call.name] ?? 0) + 1;
          if (call.name === "finish") {
            const input = call.input as { summary?: unknown };
            summary = typeof input?.summary === "string" ? input.summary : `${task.title}: done`;
            results.push({ type: "tool_result", tool_use_id: call.id, content: "ok" });
            continue;
          }
          const outcome: ToolOutcome = await runAgentTool(tools, call.name, call.input);
          if (outcome.refused) stats.refusals += 1;
          if (outcome.failedEdit) stats.failedEdits += 1;
          results.push({
            type: "tool_result",
            tool_use_id: call.id,
            content: stableOutput(outcome.text),
            ...(outcome.isError ? { is_error: true } : {}),
          });
        }
        if (summary !== undefined) {
          stats.outcome = "finished";
          return { summary, usage: stats.usage };
        }
        messages.push({ role: "user", content: results });
      }
    } catch (error) {
      stats.outcome = error instanceof PolicyError ? "stopped" : "failed";
      stats.reason = error instanceof Error ? error.message : String(error);
      // the turns before the failure were paid for: the engine counts them against the budget
      throw noteSpentUsage(error, stats.usage);
    }
  }

  /** Plan and repository map: the same text for every task of a plan, so it is cached once. */
  private async stablePrefix(plan: Plan, tools: AgentTools): Promise<string> {
    // keyed by the plan's text, so a revised plan with the same id gets a fresh prefix
    const yaml = planToYaml(plan);
    const known = this.prefixes.get(yaml);
    if (known !== undefined) return known;
    const files = await tools.listFiles();
    const map = trimmedTree(files, this.options.repoMapChars ?? 16_000);
    const text =
      `# The approved plan (you carry out one task of it)\n\n${yaml}\n` +
      `# Repository map (files when the run started)\n\n${map}\n`;
    this.prefixes.set(yaml, text);
    return text;
  }

  private checkLimits(
    plan: Plan,
    task: Task,
    stats: AgentAttemptStats,
    started: number,
    signal: AbortSignal,
  ): void {
    if (signal.aborted) {
      throw signal.reason instanceof PlanwrightError ? signal.reason : new CancelledError();
    }
    const o = this.options;
    const stop = (what: string) =>
      new PolicyError(`task ${task.id}: stopped: ${what} (spent ${formatUsage(this.taskUsage(task.id))})`);
    const maxTurns = plan.budget?.max_turns_per_task ?? o.maxTurnsPerTask ?? DEFAULT_MAX_TURNS;
    if (stats.turns >= maxTurns) {
      throw stop(`reached ${maxTurns} turns, the limit of max_turns_per_task`);
    }
    if (stats.refusals > (o.maxRefusals ?? 5)) {
      throw stop(`${stats.refusals} tool calls were refused by the plan's policy`);
    }
    const taskUsage = this.taskUsage(task.id);
    const tokens =
      taskUsage.inputTokens + taskUsage.outputTokens + taskUsage.cacheReadTokens + taskUsage.cacheWriteTokens;
    if (o.maxTokensPerTask !== undefined && tokens >= o.maxTokensPerTask) {
      throw stop(`used ${tokens} tokens, the task limit is ${o.maxTokensPerTask}`);
    }
    if (o.maxUsdPerTask !== undefined && taskUsage.costUsd >= o.maxUsdPerTask) {
      throw stop(`cost $${taskUsage.costUsd.toFixed(4)}, the task limit is $${o.maxUsdPerTask}`);
    }
    const planLimit = o.maxUsdPerPlan ?? plan.budget?.max_usd;
    const planCost = this.planUsage.get(plan.id)?.costUsd ?? 0;
    if (planLimit !== undefined && planCost >= planLimit) {
      throw stop(
        `the plan's model cost reached $${planCost.toFixed(4)}, its budget max_usd is $${planLimit}`,
      );
    }
    if (o.taskTimeoutMs !== undefined && this.clock.now() - started >= o.taskTimeoutMs) {
      throw stop(
        `ran for ${Math.round((this.clock.now() - started) / 1000)}s, the limit is ${Math.round(o.taskTimeoutMs / 1000)}s`,
      );
    }
  }

  private taskUsage(taskId: string): Usage {
    return this.attempts
      .filter((a) => a.taskId === taskId)
      .reduce((sum, a) => addUsage(sum, a.usage), { ...ZERO_USAGE });
  }
}

/** The task, its attempt and the last failure: the part of the prompt that differs per task. */
export function taskText(plan: Plan, task: Task, attempt: number, previousFailure?: string): string {
  const verify = task.verify ?? plan.defaults?.verify;
  const lines = [
    `# Your task: ${task.id} — ${task.title}`,
    task.description ? `\n${task.description}` : "",
    `\nFiles to change: ${(task.edit?.files ?? []).join(", ")}`,
    `\nInstructions:\n${task.edit?.instructions ?? ""}`,
    `\nVerification (run_verify): ${verify === false || verify === undefined ? "none" : verify}`,
  ];
  if (attempt > 1) {
    lines.push(
      `\nThis is attempt ${attempt}. The previous attempt's changes were discarded because it failed:\n` +
        "```\n" +
        stableOutput(previousFailure ?? "(no output)") +
        "\n```",
    );
  }
  return lines.filter((l) => l !== "").join("\n");
}

/** A copy of the conversation with a cache breakpoint on the newest user turn (after the first). */
function withTurnBreakpoint(messages: MessageParam[]): MessageParam[] {
  const last = messages.at(-1);
  if (messages.length < 2 || !last || last.role !== "user" || typeof last.content === "string")
    return messages;
  const blocks = last.content.map((b, i) =>
    i === last.content.length - 1 ? { ...b, cache_control: { type: "ephemeral" as const } } : b,
  );
  return [...messages.slice(0, -1), { role: "user", content: blocks as typeof last.content }];
}
