/**
 * A Model for tests that follows a script: one step per edit() call, each either a function that
 * uses the tools like an agent would, or a declarative list of writes and deletes. It records every
 * request so tests can check what the engine handed over (attempt numbers, fed-back failures).
 */
import type { AgentTools, EditRequest, EditResult, Model, Usage } from "../../src/engine/ports.js";
import { ZERO_USAGE } from "../../src/engine/ports.js";

export type ScriptStep =
  | ((tools: AgentTools, request: EditRequest) => Promise<void | Partial<EditResult>>)
  | { write?: Record<string, string>; delete?: string[]; usage?: Partial<Usage>; throws?: Error };

export class ScriptedModel implements Model {
  readonly requests: { taskId: string; attempt: number; previousFailure?: string }[] = [];
  private next = 0;

  constructor(private readonly steps: ScriptStep[]) {}

  get remaining(): number {
    return this.steps.length - this.next;
  }

  async edit(request: EditRequest): Promise<EditResult> {
    this.requests.push({
      taskId: request.task.id,
      attempt: request.attempt,
      ...(request.previousFailure !== undefined ? { previousFailure: request.previousFailure } : {}),
    });
    const step = this.steps[this.next++];
    if (!step) throw new Error(`the script has no step ${this.next} (task ${request.task.id})`);
    if (typeof step === "function") {
      const out = (await step(request.tools, request)) ?? {};
      return { summary: out.summary ?? "scripted", usage: out.usage ?? ZERO_USAGE };
    }
    if (step.throws) throw step.throws;
    for (const [path, content] of Object.entries(step.write ?? {}))
      await request.tools.writeFile(path, content);
    for (const path of step.delete ?? []) await request.tools.deleteFile(path);
    return { summary: "scripted", usage: { ...ZERO_USAGE, ...step.usage } };
  }
}
