/**
 * The cost of the execution-integrity mechanism, as ratios measured in one run:
 *
 * 1. Starting a trivial command (`true`) under the bubblewrap sandbox against starting it bare,
 *    through the same runCommand, interleaved rounds with the order alternating. Target <= 1.3.
 * 2. Landing through GitHub's API: requests per landed task are in the `sandbox` bench (the
 *    Action's requests per executed task, check runs included). Target <= 4 on average.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../src/engine/process-runner.js";
import { createSandbox, NO_SANDBOX, type CommandSandbox } from "../src/engine/sandbox.js";

const ROUNDS = 40;

async function timeOnce(sandbox: CommandSandbox, cwd: string): Promise<number> {
  const started = process.hrtime.bigint();
  const result = await runCommand("true", { cwd, env: { PATH: "/usr/bin:/bin" }, sandbox });
  if (result.exitCode !== 0) throw new Error(`true failed: ${result.output}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export async function benchIsolation(): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "planwright-bench-isolation-"));
  try {
    const sandbox = await createSandbox(dir, {
      mode: "auto",
      gitDir: join(dir, ".git"),
      onWarning: () => undefined,
    });
    if (sandbox.kind !== "bubblewrap")
      return ["bubblewrap is not available here: sandbox start not measured"];
    await timeOnce(sandbox, dir); // warm-up
    await timeOnce(NO_SANDBOX, dir);
    const bare: number[] = [];
    const boxed: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? [NO_SANDBOX, sandbox] : [sandbox, NO_SANDBOX];
      for (const s of order) (s === sandbox ? boxed : bare).push(await timeOnce(s, dir));
    }
    const ratio = median(boxed) / median(bare);
    return [
      `trivial command start, ${ROUNDS} interleaved rounds: bare median ${median(bare).toFixed(2)} ms ` +
        `(min ${Math.min(...bare).toFixed(2)}, max ${Math.max(...bare).toFixed(2)}), bubblewrap median ${median(boxed).toFixed(2)} ms ` +
        `(min ${Math.min(...boxed).toFixed(2)}, max ${Math.max(...boxed).toFixed(2)})`,
      `sandboxed / bare start: ${ratio.toFixed(2)} (target <= 1.3)`,
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
