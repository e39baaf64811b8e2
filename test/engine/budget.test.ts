import { describe, expect, it } from "vitest";
import { PolicyError } from "../../src/errors.js";
import { BudgetTracker, budgetLimits } from "../../src/engine/budget.js";
import { ZERO_USAGE } from "../../src/engine/ports.js";
import { ManualClock } from "./manual-clock.js";

describe("BudgetTracker", () => {
  it("names the dollar budget once spending passes it", () => {
    const budget = new BudgetTracker(budgetLimits({ max_usd: 1 }), new ManualClock());
    budget.add({ ...ZERO_USAGE, costUsd: 0.6 });
    expect(budget.exceeded()).toBeUndefined();
    budget.add({ ...ZERO_USAGE, costUsd: 0.6 });
    expect(() => budget.check()).toThrow(PolicyError);
    expect(budget.exceeded()).toBe("budget max_usd (1) exhausted: spent $1.20");
  });

  it("counts wall time from the start of the run", () => {
    const clock = new ManualClock();
    const budget = new BudgetTracker(budgetLimits({ max_minutes: 2 }), clock);
    clock.advance(60_000);
    expect(budget.remainingMs()).toBe(60_000);
    clock.advance(60_000);
    expect(budget.exceeded()).toMatch(/^budget max_minutes \(2\) exhausted after 2\.0 minutes$/);
  });

  it("sums every kind of token against a token limit", () => {
    const budget = new BudgetTracker(budgetLimits(undefined, 100), new ManualClock());
    budget.add({ inputTokens: 40, outputTokens: 30, cacheReadTokens: 20, cacheWriteTokens: 20, costUsd: 0 });
    expect(budget.exceeded()).toBe("budget max_tokens (100) exhausted: used 110 tokens");
    expect(budget.remainingMs()).toBeUndefined();
  });
});
