/** A Clock for tests: time moves only when a sleep is asked for, and every sleep is recorded. */
import { CancelledError } from "../../src/errors.js";
import type { Clock } from "../../src/engine/ports.js";

export class ManualClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private time = 1_000_000) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new CancelledError();
    this.sleeps.push(ms);
    this.time += ms;
  }
}
