/**
 * Plan loading speed: time per task for plans of 100, 1,000 and 5,000 tasks, and the growth ratio
 * t(5000)/t(1000), which stays near 5 when loading is linear (the check allows up to 6).
 * Run with `npx tsx bench/validate.ts`.
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { loadPlan } from "../src/plan/load-plan.js";

const SIZES = [100, 1_000, 5_000] as const;
const RUNS = 9;
const TASKS_PER_PHASE = 50;

/** A plan of `n` tasks in phases of 50, each of every kind in turn, each needing two earlier ones. */
export function generatePlan(n: number): string {
  const lines = [
    "version: 1",
    `id: bench-${n}`,
    `title: Benchmark plan of ${n} tasks`,
    "request: benchmark",
    "risk: critical",
    'policy: { paths: { allow: ["src/**", "docs/**"] }, commands: { allow: ["npm *"] } }',
    "defaults: { verify: npm test, timeout: 10m, retries: 1 }",
    "phases:",
  ];
  for (let i = 0; i < n; i++) {
    if (i % TASKS_PER_PHASE === 0)
      lines.push(`  - id: phase-${i / TASKS_PER_PHASE}`, "    mode: parallel", "    tasks:");
    lines.push(`      - id: task-${i}`, `        title: Task number ${i}`);
    if (i >= 2) lines.push(`        needs: [task-${i - 1}, task-${Math.floor(i / 2)}]`);
    switch (i % 4) {
      case 0:
        lines.push("        edit:", `          files: [src/module-${i}.ts]`, "          instructions: |");
        lines.push(`            Refactor module ${i} so that it uses the shared helpers.`);
        break;
      case 1:
        lines.push(`        run: npm run build -- --filter module-${i}`);
        break;
      case 2:
        lines.push(`        write: { path: docs/page-${i}.md, content: "# Page ${i}\\n" }`);
        break;
      default:
        lines.push(`        delete: { path: src/old-${i}.ts }`);
    }
    lines.push("        timeout: 5m");
  }
  return lines.join("\n") + "\n";
}

// Collecting garbage before each timed run keeps one run's garbage out of the next one's time, so
// the figures measure loading rather than when V8 happened to collect.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as (() => void) | undefined;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Times {@link loadPlan} on generated plans; returns the report lines. Sizes are timed round-robin
 * so that load from other processes falls on every size alike rather than skewing the ratio.
 */
export async function benchValidate(): Promise<string[]> {
  const cases = SIZES.map((n) => {
    const text = generatePlan(n);
    const limits = { maxTasks: n, maxBytes: text.length * 2, maxContentBytes: text.length * 2 };
    const first = loadPlan(text, { limits });
    const errors = first.diagnostics.filter((d) => d.severity === "error");
    if (errors.length > 0 || !first.plan) {
      throw new Error(`generated plan of ${n} tasks does not validate: ${errors[0]?.message ?? "no plan"}`);
    }
    return { n, text, limits, samples: [] as number[] };
  });
  for (let r = 0; r < RUNS; r++) {
    for (const c of cases) {
      collectGarbage?.();
      const start = performance.now();
      loadPlan(c.text, { limits: c.limits });
      c.samples.push(performance.now() - start);
    }
  }
  const lines: string[] = [];
  const times = new Map<number, number>();
  for (const c of cases) {
    const t = median(c.samples);
    times.set(c.n, t);
    lines.push(
      `loadPlan ${String(c.n).padStart(5)} tasks (${(c.text.length / 1024).toFixed(0)} KiB): ${t.toFixed(1)} ms, ` +
        `${((t / c.n) * 1000).toFixed(1)} µs/task (median of ${RUNS})`,
    );
  }
  const ratio = (times.get(5_000) ?? 0) / (times.get(1_000) ?? 1);
  lines.push(
    `loadPlan growth t(5000)/t(1000) = ${ratio.toFixed(2)} (linear is 5; limit 6): ${ratio <= 6 ? "ok" : "TOO SLOW"}`,
  );
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const line of await benchValidate()) console.log(line);
}
