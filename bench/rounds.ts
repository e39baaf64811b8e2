/**
 * How every benchmark measures: cases run in interleaved rounds, one warm-up round first (not
 * counted), the order reversed every other round so that neither side always runs first (warm
 * caches, a burst of load from the rest of the machine); each case reports min / median / max and
 * its ratio to the baseline measured in the same rounds (the median of the per-round ratios).
 */
import { spawn } from "node:child_process";

export interface Case {
  name: string;
  /** One measurement, in milliseconds (or any unit shared by the cases compared). */
  run: () => Promise<number>;
}

export type Samples = Map<string, number[]>;

/** Runs `rounds` counted rounds of every case after one warm-up round. */
export async function interleave(cases: readonly Case[], rounds: number): Promise<Samples> {
  const samples: Samples = new Map(cases.map((c) => [c.name, []]));
  for (let round = -1; round < rounds; round++) {
    const order = round % 2 === 0 ? cases : [...cases].reverse();
    for (const c of order) {
      const value = await c.run();
      if (round >= 0) samples.get(c.name)?.push(value);
    }
  }
  return samples;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The median of the per-round ratios of `name` to `baseline` (rounds pair up by index). */
export function ratio(samples: Samples, name: string, baseline: string): number {
  const ours = samples.get(name) ?? [];
  const base = samples.get(baseline) ?? [];
  return median(ours.map((v, i) => v / (base[i] ?? v)));
}

const fmt = (v: number, unit: string, digits: number) => `${v.toFixed(digits)}${unit}`;

/** `min / median / max` of one case. */
export function spread(values: readonly number[], unit = " ms", digits = 1): string {
  return `${fmt(Math.min(...values), "", digits)} / ${fmt(median(values), "", digits)} / ${fmt(Math.max(...values), unit, digits)}`;
}

/**
 * One report line per case: its spread and, for all but the baseline, the ratio to the baseline of
 * the same rounds with the target when there is one.
 */
export function report(
  samples: Samples,
  baseline: string,
  targets: Record<string, number> = {},
  options: { unit?: string; digits?: number; scale?: number } = {},
): string[] {
  const scale = options.scale ?? 1;
  const width = Math.max(...[...samples.keys()].map((k) => k.length));
  const lines: string[] = [];
  for (const [name, values] of samples) {
    const shown = spread(
      values.map((v) => v / scale),
      options.unit,
      options.digits,
    );
    if (name === baseline) {
      lines.push(`  ${name.padEnd(width)}  ${shown} (min / median / max; baseline)`);
      continue;
    }
    const r = ratio(samples, name, baseline);
    const target = targets[name];
    const verdict = target === undefined ? "" : ` (target <= ${target}) ${r <= target ? "ok" : "OVER"}`;
    lines.push(`  ${name.padEnd(width)}  ${shown}  ratio ${r.toFixed(2)}${verdict}`);
  }
  return lines;
}

/** The wall time of one whole process, start-up included; fails when it exits non-zero unless allowed. */
export function timeProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; okCodes?: readonly number[]; until?: RegExp } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let settled = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.until && !settled && options.until.test(output)) {
        settled = true;
        resolve(performance.now() - started);
        child.kill("SIGTERM");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("close", (code) => {
      if (settled) return;
      settled = true;
      const ms = performance.now() - started;
      if (options.until)
        reject(
          new Error(`${command} ${args.join(" ")} ended before ${options.until}: ${output.slice(-2000)}`),
        );
      else if (code === 0 || options.okCodes?.includes(code ?? -1)) resolve(ms);
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${output.slice(0, 2000)}`));
    });
  });
}
