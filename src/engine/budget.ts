/**
 * Plan budgets: run time, tokens and dollars. Exceeding any of them stops the run with a policy
 * failure that names the budget, so the outcome says exactly which limit was hit. Budgets hold for
 * the plan as a whole: a tracker starts from what earlier runs spent (spend.ts).
 */
import { PolicyError } from "../errors.js";
import type { Budget } from "../plan/schema.js";
import { ZERO_USAGE, addUsage, type Clock, type Usage } from "./ports.js";
import { NOTHING_SPENT, type Spent } from "./spend.js";

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
  // the stricter of the plan's max_tokens and the caller's
  const tokens = [budget?.max_tokens, maxTokens].filter((t): t is number => t !== undefined);
  if (tokens.length > 0) limits.maxTokens = Math.min(...tokens);
  return limits;
}

export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}

/**
 * Tracks a plan's spending against its limits: what earlier runs spent (`prior`) plus this run,
 * whose time counts from construction.
 */
export class BudgetTracker {
  private spent: Usage = ZERO_USAGE;
  private readonly startedAt: number;

  constructor(
    readonly limits: BudgetLimits,
    private readonly clock: Clock,
    readonly prior: Readonly<Spent> = NOTHING_SPENT,
  ) {
    this.startedAt = clock.now();
  }

  /** This run's usage. */
  get usage(): Usage {
    return this.spent;
  }

  /** The plan's running total: earlier runs and this one. */
  total(): Spent {
    return {
      usd: this.prior.usd + this.spent.costUsd,
      tokens: this.prior.tokens + totalTokens(this.spent),
      ms: this.prior.ms + Math.max(0, this.clock.now() - this.startedAt),
    };
  }

  add(usage: Usage): void {
    this.spent = addUsage(this.spent, usage);
  }

  /** Milliseconds left under `max_minutes`; undefined when there is no time limit. */
  remainingMs(): number | undefined {
    if (this.limits.maxMinutes === undefined) return undefined;
    return this.startedAt + this.limits.maxMinutes * 60_000 - this.prior.ms - this.clock.now();
  }

  /** The first exhausted budget, described for a person; undefined while within every limit. */
  exceeded(): string | undefined {
    const { maxMinutes, maxUsd, maxTokens } = this.limits;
    const left = this.remainingMs();
    const total = this.total();
    const earlier = (what: number) => (what > 0 ? " (earlier runs included)" : "");
    if (maxMinutes !== undefined && left !== undefined && left <= 0) {
      return `budget max_minutes (${maxMinutes}) exhausted after ${minutes(total.ms)} minutes${earlier(this.prior.ms)}`;
    }
    if (maxUsd !== undefined && total.usd > maxUsd) {
      return `budget max_usd (${maxUsd}) exhausted: spent $${total.usd.toFixed(2)}${earlier(this.prior.usd)}`;
    }
    if (maxTokens !== undefined && total.tokens > maxTokens) {
      return `budget max_tokens (${maxTokens}) exhausted: used ${total.tokens} tokens${earlier(this.prior.tokens)}`;
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
