/**
 * Writes every engine event as one JSON line (`--log FILE`). Each line is written synchronously and
 * appended, so the log survives a crash up to the last event and several runs share one file.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { UsageError } from "../errors.js";
import type { EngineEvent, Reporter } from "../engine/ports.js";

export class JsonlReporter implements Reporter {
  private fd: number | undefined;

  constructor(file: string) {
    try {
      this.fd = openSync(file, "a");
    } catch (error) {
      throw new UsageError(
        `cannot open log file ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      );
    }
  }

  event(event: EngineEvent): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, JSON.stringify(event) + "\n");
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Sends each event to every reporter. */
export function teeReporter(...reporters: Reporter[]): Reporter {
  return { event: (event) => reporters.forEach((r) => r.event(event)) };
}
