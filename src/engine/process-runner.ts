/**
 * Runs a task's shell command in its own process group, so a timeout or a cancellation kills
 * everything it started (`npm test` forks workers; killing only `sh` would orphan them). Output is
 * captured combined and capped: the first lines (where tools print what they are doing) and the
 * last bytes (where they print why they failed) are kept.
 */
import { spawn } from "node:child_process";
import { CancelledError } from "../errors.js";
import type { CommandResult } from "./ports.js";
import { NO_SANDBOX, type CommandSandbox } from "./sandbox.js";

export interface RunCommandOptions {
  cwd: string;
  env: Record<string, string>;
  /** Kill the process group after this long; no limit when absent. */
  timeoutMs?: number;
  /** Aborting kills the process group and rejects with CancelledError. */
  signal?: AbortSignal;
  /** Bytes of output kept from the end (64 KiB by default). */
  maxOutputBytes?: number;
  /** Bytes of output kept from the start when the output is cut (2 KiB by default). */
  headBytes?: number;
  /** Time between SIGTERM and SIGKILL (2 s by default). */
  killGraceMs?: number;
  /** Receives the output's last lines, at most every `outputIntervalMs` (250 ms by default). */
  onOutput?: (tail: string) => void;
  outputIntervalMs?: number;
  /** Receives the process group id as soon as the command starts (for crash recovery). */
  onSpawn?: (processGroup: number) => void;
  /** Where the command runs: bubblewrap, or as it is (the default). */
  sandbox?: CommandSandbox;
}

/** Keeps the head and the tail of a stream of chunks within a fixed memory bound. */
export class OutputCapture {
  private head = "";
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  constructor(
    private readonly maxBytes: number,
    private readonly headBytes: number,
  ) {}

  push(chunk: Buffer): void {
    if (this.total < this.headBytes)
      this.head += chunk.subarray(0, this.headBytes - this.total).toString("utf8");
    this.total += chunk.length;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - (this.tail[0]?.length ?? 0) >= this.maxBytes) {
      this.tailBytes -= this.tail.shift()?.length ?? 0;
    }
  }

  /** The last `lines` lines, for live progress. */
  lastLines(lines = 5): string {
    const text = Buffer.concat(this.tail).subarray(-4096).toString("utf8");
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  }

  /** All output when it fit, otherwise the head, a marker with the bytes left out, and the tail. */
  text(): string {
    const all = Buffer.concat(this.tail);
    if (this.total <= this.maxBytes) return all.toString("utf8");
    const tail = all.subarray(all.length - this.maxBytes);
    const headText = this.head.slice(0, this.head.lastIndexOf("\n") + 1) || this.head;
    const omitted = this.total - Buffer.byteLength(headText) - tail.length;
    return `${headText}[… ${omitted} bytes of output left out …]\n${tail.toString("utf8")}`;
  }
}

/** Runs `sh -c command`; resolves with its exit status and output (never rejects for a failing command). */
export function runCommand(command: string, options: RunCommandOptions): Promise<CommandResult> {
  const started = Date.now();
  const capture = new OutputCapture(options.maxOutputBytes ?? 64 * 1024, options.headBytes ?? 2048);
  if (options.signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    const { file, args, env } = (options.sandbox ?? NO_SANDBOX).wrap(command, options.cwd, options.env);
    const child = spawn(file, args, {
      cwd: options.cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let timedOut = false;
    let cancelled = false;
    let lastReport = 0;
    let reportTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const interval = options.outputIntervalMs ?? 250;

    const report = () => {
      reportTimer = undefined;
      lastReport = Date.now();
      options.onOutput?.(capture.lastLines());
    };
    const onData = (chunk: Buffer) => {
      capture.push(chunk);
      if (!options.onOutput || reportTimer) return;
      reportTimer = setTimeout(report, Math.max(0, lastReport + interval - Date.now()));
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);

    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // the group is already gone
      }
    };
    const stop = () => {
      killGroup("SIGTERM");
      killTimer ??= setTimeout(() => killGroup("SIGKILL"), options.killGraceMs ?? 2_000);
    };
    const timeout =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stop();
          }, options.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });

    child.on("error", (error) => {
      cleanup();
      reject(error);
    });
    // whatever the shell left running in its group goes with it, or "close" would wait for it
    child.on("exit", () => {
      killGroup("SIGKILL");
      // a process that left the group (setsid) may hold the output pipes open for as long as it
      // likes: the command is over when its shell is, so stop reading shortly after
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 200);
    });
    child.on("close", (code, sig) => {
      cleanup();
      if (cancelled) {
        reject(new CancelledError());
        return;
      }
      if (reportTimer) report();
      resolve({
        exitCode: code ?? (sig ? 128 + signalNumber(sig) : null),
        output: capture.text(),
        timedOut,
        durationMs: Date.now() - started,
      });
    });
    function cleanup() {
      if (timeout) clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
      if (drainTimer) clearTimeout(drainTimer);
      if (reportTimer) clearTimeout(reportTimer);
      options.signal?.removeEventListener("abort", onAbort);
    }
  });
}

function signalNumber(sig: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return numbers[sig] ?? 0;
}
