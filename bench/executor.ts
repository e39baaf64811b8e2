/**
 * Executor benchmarks, run with `npx tsx bench/executor.ts`:
 *
 * 1. Overhead: a 200-task plan of `write` tasks, each commit pushed to a local bare remote, against
 *    a shell loop doing the same write, `git add`, `git commit` and `git push` directly, in the same
 *    run. Target: ratio <= 1.3.
 * 2. Parallel efficiency: 8 independent tasks that each sleep 1 s, concurrency 8. The critical path
 *    is the plan's longest chain (one task here), each task weighted by the wall time the executor
 *    needs for it alone. Target: wall / critical path <= 1.15. Also reported against the nominal 1 s.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { executePlan } from "../src/engine/executor.js";
import { planBlobOf } from "../src/engine/plan-blob.js";
import { openWorkspace } from "../src/git/git-workspace.js";
import { criticalPath } from "../src/plan/graph.js";
import { planSchema, type PlanInput } from "../src/plan/schema.js";

const exec = promisify(execFile);
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Bench",
  GIT_AUTHOR_EMAIL: "bench@example.com",
  GIT_COMMITTER_NAME: "Bench",
  GIT_COMMITTER_EMAIL: "bench@example.com",
};

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await exec("git", args, { cwd, env: GIT_ENV })).stdout.trim();
}

/** A working repository with one commit and a bare `origin`. */
async function makeRepo(): Promise<{ dir: string; root: string }> {
  const root = await mkdtemp(join(tmpdir(), "planwright-bench-"));
  const dir = join(root, "work");
  await mkdir(dir);
  await git(root, "init", "-q", "--bare", "--initial-branch=main", join(root, "remote.git"));
  await git(root, "init", "-q", "--initial-branch=main", dir);
  await git(dir, "config", "commit.gpgsign", "false");
  await writeFile(join(dir, "README.md"), "# bench\n");
  await git(dir, "add", "-A");
  await git(dir, "commit", "-qm", "initial");
  await git(dir, "remote", "add", "origin", join(root, "remote.git"));
  await git(dir, "push", "-q", "origin", "HEAD:refs/heads/main");
  return { dir, root };
}

function plan(input: PlanInput) {
  return { plan: planSchema.parse(input), planBlob: planBlobOf(JSON.stringify(input)) };
}

async function timeExecutor(
  input: PlanInput,
  options: { push?: boolean; concurrency?: number; applyCheck?: false } = {},
): Promise<number> {
  const { dir, root } = await makeRepo();
  try {
    const workspace = await openWorkspace(dir);
    const started = performance.now();
    const result = await executePlan({
      ...plan(input),
      workspace,
      ...(options.push ? { push: { remote: "origin", branch: "bench" } } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.applyCheck === false ? { applyCheck: false as const } : {}),
    });
    const ms = performance.now() - started;
    if (result.outcome !== "succeeded") throw new Error(`bench run ${result.outcome}: ${result.message}`);
    return ms;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function timeShellLoop(tasks: number): Promise<number> {
  const { dir, root } = await makeRepo();
  const script = `i=0
while [ $i -lt ${tasks} ]; do
  mkdir -p files && printf 'content %s\\n' $i > files/f$i.txt
  git add -A -- . && git commit -q --no-verify -m "Task $i" && git push -q origin HEAD:refs/heads/bench || exit 1
  i=$((i+1))
done`;
  try {
    const started = performance.now();
    await exec("sh", ["-c", script], { cwd: dir, env: GIT_ENV });
    return performance.now() - started;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function writePlan(tasks: number): PlanInput {
  return {
    version: 1,
    id: "1-bench",
    title: "Bench",
    request: "bench",
    phases: [
      {
        id: "writes",
        tasks: Array.from({ length: tasks }, (_, i) => ({
          id: `t${i}`,
          title: `Task ${i}`,
          write: { path: `files/f${i}.txt`, content: `content ${i}\n` },
        })),
      },
    ],
  };
}

function sleepPlan(tasks: number): PlanInput {
  return {
    version: 1,
    id: "2-bench",
    title: "Parallel bench",
    request: "bench",
    phases: [
      {
        id: "sleepers",
        mode: "parallel",
        tasks: Array.from({ length: tasks }, (_, i) => ({
          id: `s${i}`,
          title: `Sleeper ${i}`,
          run: `sleep 1 && echo ${i} > s${i}.txt`,
        })),
      },
    ],
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const ROUNDS = 5;

export async function benchExecutor(): Promise<string[]> {
  const lines: string[] = [];
  const TASKS = 200;
  // paired rounds, each side right after the other, so load from the rest of the machine hits both
  // alike; the median of the paired ratios resists a burst of load during one round
  const shell: number[] = [];
  const ours: number[] = [];
  const unchecked: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    shell.push(await timeShellLoop(TASKS));
    ours.push(await timeExecutor(writePlan(TASKS), { push: true }));
    unchecked.push(await timeExecutor(writePlan(TASKS), { push: true, applyCheck: false }));
  }
  const overhead = median(ours.map((o, i) => o / (shell[i] ?? o)));
  const withoutCheck = median(unchecked.map((o, i) => o / (shell[i] ?? o)));
  lines.push(
    `executor overhead: ${TASKS} write tasks, each pushed: ${(median(ours) / TASKS).toFixed(1)} ms/task vs shell loop ` +
      `${(median(shell) / TASKS).toFixed(1)} ms/task, ratio ${overhead.toFixed(2)} (target <= 1.3) ${overhead <= 1.3 ? "ok" : "OVER"}; ` +
      `without the apply-time check before each push: ratio ${withoutCheck.toFixed(2)}`,
  );

  const singles: number[] = [];
  const walls: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    singles.push(await timeExecutor(sleepPlan(1)));
    walls.push(await timeExecutor(sleepPlan(8), { concurrency: 8 }));
  }
  const single = Math.min(...singles);
  const wall = Math.min(...walls);
  const path = criticalPath(planSchema.parse(sleepPlan(8)), () => single).length;
  const efficiency = wall / path;
  lines.push(
    `parallel efficiency: 8 independent 1 s tasks, concurrency 8: wall ${(wall / 1000).toFixed(2)} s, critical path ` +
      `${(path / 1000).toFixed(2)} s (one task alone), ratio ${efficiency.toFixed(2)} (target <= 1.15) ` +
      `${efficiency <= 1.15 ? "ok" : "OVER"}; wall / nominal 1 s: ${(wall / 1000).toFixed(2)}`,
  );
  return lines;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await benchExecutor()) console.log(line);
}
