/**
 * Plan budgets: wall time, tokens and dollars. Exceeding any of them stops the run with a policy
 * failure that names the budget, so the outcome says exactly which limit was hit.
 */
import { PolicyError } from "../errors.js";
import type { Budget } from "../plan/schema.js";
import { ZERO_USAGE, addUsage, type Clock, type Usage } from "./ports.js";

export interface BudgetLimits {
  maxMinutes?: number;
  maxUsd?: number;
  /** Input plus output tokens (cache reads and writes count as input). */
  maxTokens?: number;
}

/** The limits of a plan's `budget:` block, plus an optional token limit from the caller. */
export function budgetLimits(budget: Budget | undefined, maxTokens?: number): BudgetLimits {
  const limits: BudgetLimits = {};
  if (budget?.max_minutes !== undefined) limits.maxMinutes = budget.max_minutes;
  if (budget?.max_usd !== undefined) limits.maxUsd = budget.max_usd;
  if (maxTokens !== undefined) limits.maxTokens = maxTokens;
  return limits;
}

export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}

/** Tracks one run's spending against its limits. Time counts from construction (this invocation). */
export class BudgetTracker {
  private spent: Usage = ZERO_USAGE;
  private readonly startedAt: number;

  constructor(
    readonly limits: BudgetLimits,
    private readonly clock: Clock,
  ) {
    this.startedAt = clock.now();
  }

  get usage(): Usage {
    return this.spent;
  }

  add(usage: Usage): void {
    this.spent = addUsage(this.spent, usage);
  }

  /** Milliseconds left under `max_minutes`; undefined when there is no time limit. */
  remainingMs(): number | undefined {
    if (this.limits.maxMinutes === undefined) return undefined;
    return this.startedAt + this.limits.maxMinutes * 60_000 - this.clock.now();
  }

  /** The first exhausted budget, described for a person; undefined while within every limit. */
  exceeded(): string | undefined {
    const { maxMinutes, maxUsd, maxTokens } = this.limits;
    const left = this.remainingMs();
    if (maxMinutes !== undefined && left !== undefined && left <= 0) {
      return `budget max_minutes (${maxMinutes}) exhausted after ${minutes(this.clock.now() - this.startedAt)} minutes`;
    }
    if (maxUsd !== undefined && this.spent.costUsd > maxUsd) {
      return `budget max_usd (${maxUsd}) exhausted: spent $${this.spent.costUsd.toFixed(2)}`;
    }
    if (maxTokens !== undefined && totalTokens(this.spent) > maxTokens) {
      return `budget max_tokens (${maxTokens}) exhausted: used ${totalTokens(this.spent)} tokens`;
    }
    return undefined;
  }

  /** Throws a PolicyError naming the exhausted budget, if any. */
  check(): void {
    const reason = this.exceeded();
    if (reason) throw new PolicyError(reason);
  }
}

function minutes(ms: number): string {
  return (ms / 60_000).toFixed(1);
}
