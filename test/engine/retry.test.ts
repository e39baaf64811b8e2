import { describe, expect, it } from "vitest";
import { TransientError, VerificationError } from "../../src/errors.js";
import { backoffDelay, withTransientRetry } from "../../src/engine/retry.js";
import { ManualClock } from "./manual-clock.js";

describe("backoffDelay", () => {
  it("doubles per retry, with jitter between half and all of the nominal delay", () => {
    const opts = { baseMs: 100, maxMs: 10_000 };
    expect(backoffDelay(1, { ...opts, random: () => 0 })).toBe(50);
    expect(backoffDelay(1, { ...opts, random: () => 0.999999 })).toBe(100);
    expect(backoffDelay(3, { ...opts, random: () => 0 })).toBe(200);
    expect(backoffDelay(3, { ...opts, random: () => 0.5 })).toBe(300);
  });

  it("is capped and honours a longer Retry-After", () => {
    expect(backoffDelay(20, { baseMs: 100, maxMs: 1_000, random: () => 0.999999 })).toBe(1_000);
    expect(backoffDelay(1, { baseMs: 100, maxMs: 10_000, random: () => 0 }, 5_000)).toBe(5_000);
  });
});

describe("withTransientRetry", () => {
  it("retries transient failures with growing delays, then succeeds", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const retries: number[] = [];
    const result = await withTransientRetry(
      async () => {
        calls++;
        if (calls < 3) throw new TransientError("HTTP 529 overloaded");
        return "ok";
      },
      { clock, backoff: { baseMs: 100, random: () => 0 }, onRetry: (n) => retries.push(n) },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
    expect(retries).toEqual([1, 2]);
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it("gives up after the bound and rethrows the last transient failure", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const run = withTransientRetry(
      async () => {
        calls++;
        throw new TransientError(`reset ${calls}`);
      },
      { clock, retries: 2, backoff: { random: () => 0 } },
    );
    await expect(run).rejects.toThrow("reset 3");
    expect(calls).toBe(3);
  });

  it("does not retry other failure classes", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const run = withTransientRetry(
      async () => {
        calls++;
        throw new VerificationError("tests failed");
      },
      { clock },
    );
    await expect(run).rejects.toBeInstanceOf(VerificationError);
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });
});
