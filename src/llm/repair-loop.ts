/**
 * The planner's and the reviser's shared loop: ask for a plan through a forced tool call, load what
 * comes back, and hand the loader's problems back to the model as a repair turn, a bounded number
 * of times.
 */
import { ZERO_USAGE, addUsage, type Usage } from "../engine/ports.js";
import { ValidationError } from "../errors.js";
import { hasErrors, type Diagnostic } from "../plan/diagnostics.js";
import { formatProblems, loadPlan } from "../plan/load-plan.js";
import type { Plan } from "../plan/schema.js";
import type { MessageParam, ModelClient, Tool, ToolUseBlock } from "./client.js";

/** The caller's model settings, as the planner's and the reviser's options carry them. */
export interface RepairModel {
  client: ModelClient;
  /** max_tokens of each answer. Default 16,000. */
  maxTokens?: number;
  extraDeny?: readonly string[];
  signal?: AbortSignal;
}

export interface RepairLoopOptions {
  model: RepairModel;
  system: string;
  /** The tool the model must call; its input carries the plan. */
  tool: Tool;
  /** The conversation so far; repair turns are appended to it. */
  messages: MessageParam[];
  /** Repair turns after the first answer. */
  maxRepairs: number;
  /** The plan file's text made from the tool's input, or undefined when it holds no plan object. */
  toYaml(input: Record<string, unknown>): string | undefined;
  /** What the final failure says is still invalid, e.g. "the model's plan". */
  subject: string;
}

export interface RepairLoopResult {
  plan: Plan;
  yaml: string;
  /** The tool input of the accepted answer. */
  input: Record<string, unknown>;
  warnings: Diagnostic[];
  usage: Usage;
  attempts: number;
}

/** Runs the loop; throws ValidationError quoting the last problems when repairs run out. */
export async function submitWithRepairs(options: RepairLoopOptions): Promise<RepairLoopResult> {
  const { tool, messages, maxRepairs, model } = options;
  const load = model.extraDeny ? { extraDeny: model.extraDeny } : undefined;
  let usage: Usage = { ...ZERO_USAGE };
  let problems = "";
  for (let attempt = 1; attempt <= maxRepairs + 1; attempt++) {
    const { message, usage: used } = await model.client.create(
      {
        max_tokens: model.maxTokens ?? 16_000,
        system: [{ type: "text", text: options.system, cache_control: { type: "ephemeral" } }],
        tools: [tool],
        tool_choice: { type: "tool", name: tool.name },
        messages,
      },
      model.signal ? { signal: model.signal } : {},
    );
    usage = addUsage(usage, used);
    const call = toolCall(message.content, tool.name);
    const input =
      call && typeof call.input === "object" && call.input !== null
        ? (call.input as Record<string, unknown>)
        : undefined;
    const yaml = input ? options.toYaml(input) : undefined;
    if (!input || yaml === undefined) {
      problems = `plan.yaml:1:1: error: the answer did not call ${tool.name} with a plan object`;
    } else {
      const loaded = loadPlan(yaml, load);
      if (loaded.plan && !hasErrors(loaded.diagnostics)) {
        const warnings = loaded.diagnostics.filter((d) => d.severity === "warning");
        return { plan: loaded.plan, yaml, input, warnings, usage, attempts: attempt };
      }
      problems = formatProblems(
        "plan.yaml",
        loaded.diagnostics.filter((d) => d.severity === "error"),
      );
    }
    messages.push({ role: "assistant", content: message.content });
    const text = repairMessage(problems, yaml).replace("call submit_plan", `call ${tool.name}`);
    messages.push({
      role: "user",
      content: call
        ? [{ type: "tool_result", tool_use_id: call.id, is_error: true, content: text }]
        : [{ type: "text", text }],
    });
  }
  throw new ValidationError(
    `${options.subject} is still invalid after ${maxRepairs} repair turn(s):\n${problems}`,
  );
}

/** The first call of `name` in an answer. */
export function toolCall(content: readonly { type: string }[], name: string): ToolUseBlock | undefined {
  return content.find((b): b is ToolUseBlock => b.type === "tool_use" && (b as ToolUseBlock).name === name);
}

/** Text shown to the model in a repair turn: the problems and the numbered YAML they refer to. */
export function repairMessage(problems: string, yaml: string | undefined): string {
  const numbered = yaml
    ?.split("\n")
    .map((line, i) => `${String(i + 1).padStart(4)}  ${line}`)
    .join("\n");
  return (
    `The plan does not validate. Fix every problem below and call submit_plan again with the complete plan.\n\n${problems}` +
    (numbered ? `\n\nThe plan as YAML (the line numbers above refer to it):\n${numbered}` : "")
  );
}
