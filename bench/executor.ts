/**
 * Executor benchmarks, each against a shell loop doing the same git work in the same rounds:
 *
 * 1. Per-task overhead of `write` tasks without push, against a loop of the same file write,
 *    `git add -A` and `git commit` with the same message and trailers (the `files/` folder exists
 *    beforehand for both, so the loop starts no extra process). In-process (the executor on an
 *    open workspace) and as whole processes (`planwright run` of the compiled CLI, start-up and
 *    plan loading included, against `sh -c` of the loop). Target: <= 1.3.
 * 2. The same with a push after every task to a local bare remote, against the loop with
 *    `git push` (with and without the apply-time check that runs before each push). Target: <= 1.3.
 * 3. Git processes started per task, counted with GIT_TRACE (not timed).
 * 4. Parallel efficiency: 8 independent tasks that each sleep 1 s at concurrency 8, against the
 *    nominal 1 s and against one such task through the executor alone.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { executePlan } from "../src/engine/executor.js";
import { planBlobOf } from "../src/engine/plan-blob.js";
import { openWorkspace } from "../src/git/git-workspace.js";
import { planSchema, type PlanInput } from "../src/plan/schema.js";
import { interleave, median, ratio, report, timeProcess } from "./rounds.js";
import { ROOT } from "./root.js";

const exec = promisify(execFile);
const TASKS = 100;
const ROUNDS = 3;
const PLAN_ID = "1-bench";

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

/** A working repository with one commit, a bare `origin`, and the `files/` folder the tasks write to. */
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
  await mkdir(join(dir, "files"));
  return { dir, root };
}

export function writePlan(tasks: number): PlanInput {
  return {
    version: 1,
    id: PLAN_ID,
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

interface RunOptions {
  push?: boolean;
  concurrency?: number;
  applyCheck?: false;
}

/** The executor on a fresh repository, in this process; resolves to its wall time. */
export async function timeExecutor(input: PlanInput, options: RunOptions = {}): Promise<number> {
  const { dir, root } = await makeRepo();
  try {
    const workspace = await openWorkspace(dir);
    const text = JSON.stringify(input);
    const started = performance.now();
    const result = await executePlan({
      plan: planSchema.parse(input),
      planBlob: planBlobOf(text),
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

/** `planwright run` of the compiled CLI as a process of its own, start-up and plan loading included. */
async function timeCli(tasks: number, push: boolean): Promise<number> {
  const { dir, root } = await makeRepo();
  try {
    const file = join(root, "plan.yaml");
    await writeFile(file, stringify(writePlan(tasks)));
    const args = [join(ROOT, "bin", "planwright.js"), "run", file, "--repo", dir];
    if (push) args.push("--push", "origin", "--branch", "bench");
    return await timeProcess(process.execPath, args, { env: { ...GIT_ENV, NO_COLOR: "1" } });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The loop: the same write, `git add -A`, `git commit` (and `git push`) per task, with the same message. */
function loopScript(tasks: number, push: boolean): string {
  const message = (i: string) =>
    `-m "Task ${i}" -m "Planwright-Plan: ${PLAN_ID}\nPlanwright-Task: t${i}\nPlanwright-Plan-Blob: 0000000000000000000000000000000000000000"`;
  return `i=0
while [ $i -lt ${tasks} ]; do
  printf 'content %s\\n' $i > files/f$i.txt
  git add -A -- . && git commit -q --no-verify ${message("$i")}${push ? " && git push -q origin HEAD:refs/heads/bench" : ""} || exit 1
  i=$((i+1))
done`;
}

async function timeLoop(tasks: number, push: boolean, env: NodeJS.ProcessEnv = GIT_ENV): Promise<number> {
  const { dir, root } = await makeRepo();
  try {
    return await timeProcess("sh", ["-c", loopScript(tasks, push)], { cwd: dir, env });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Git processes per task of one run, from GIT_TRACE (every git process logs its command line). */
async function gitProcessesPerTask(run: (env: NodeJS.ProcessEnv) => Promise<unknown>, tasks: number) {
  const dir = await mkdtemp(join(tmpdir(), "planwright-bench-trace-"));
  try {
    const trace = join(dir, "trace.txt");
    // the loop gets it in its environment; the executor's git processes inherit this process's
    process.env["GIT_TRACE"] = trace;
    try {
      await run({ ...GIT_ENV, GIT_TRACE: trace });
    } finally {
      delete process.env["GIT_TRACE"];
    }
    const lines = (await readFile(trace, "utf8")).split("\n").filter((l) => /trace: built-in: git /.test(l));
    const counts = new Map<string, number>();
    for (const line of lines) {
      const sub = /built-in: git (?:'-c' '[^']*' )*'?([a-z-]+)/.exec(line)?.[1] ?? "?";
      counts.set(sub, (counts.get(sub) ?? 0) + 1);
    }
    const perTask = [...counts]
      .filter(([, n]) => n >= tasks / 2)
      .sort((a, b) => b[1] - a[1])
      .map(([sub, n]) => `${sub} ${(n / tasks).toFixed(1)}`)
      .join(", ");
    return { total: lines.length / tasks, perTask };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchExecutor(): Promise<string[]> {
  const lines: string[] = [];
  const plan = writePlan(TASKS);

  const noPush = await interleave(
    [
      { name: "add/commit loop", run: () => timeLoop(TASKS, false) },
      { name: "executor", run: () => timeExecutor(plan) },
    ],
    ROUNDS,
  );
  lines.push(`${TASKS} write tasks without push, in-process, per run (${ROUNDS} rounds after a warm-up):`);
  lines.push(...report(noPush, "add/commit loop", { executor: 1.3 }));

  const whole = await interleave(
    [
      { name: "sh -c loop", run: () => timeLoop(TASKS, false) },
      { name: "planwright run", run: () => timeCli(TASKS, false) },
    ],
    ROUNDS,
  );
  lines.push(`the same as whole processes (node start-up and plan loading included):`);
  lines.push(...report(whole, "sh -c loop", { "planwright run": 1.3 }));

  const pushed = await interleave(
    [
      { name: "add/commit/push loop", run: () => timeLoop(TASKS, true) },
      { name: "executor", run: () => timeExecutor(plan, { push: true }) },
      {
        name: "executor without apply check",
        run: () => timeExecutor(plan, { push: true, applyCheck: false }),
      },
      { name: "planwright run --push", run: () => timeCli(TASKS, true) },
    ],
    ROUNDS,
  );
  lines.push(`${TASKS} write tasks, each pushed to a local bare remote:`);
  lines.push(...report(pushed, "add/commit/push loop", { executor: 1.3 }));

  const loopProcs = await gitProcessesPerTask((env) => timeLoop(TASKS, false, env), TASKS);
  const ourProcs = await gitProcessesPerTask(() => timeExecutor(plan), TASKS);
  const loopPush = await gitProcessesPerTask((env) => timeLoop(TASKS, true, env), TASKS);
  const ourPush = await gitProcessesPerTask(() => timeExecutor(plan, { push: true }), TASKS);
  lines.push(
    `git processes per task (GIT_TRACE): without push, loop ${loopProcs.total.toFixed(1)} (${loopProcs.perTask}), ` +
      `executor ${ourProcs.total.toFixed(1)} (${ourProcs.perTask}); with push, loop ${loopPush.total.toFixed(1)} ` +
      `(${loopPush.perTask}), executor ${ourPush.total.toFixed(1)} (${ourPush.perTask})`,
  );

  const parallel = await interleave(
    [
      { name: "one task alone", run: () => timeExecutor(sleepPlan(1)) },
      { name: "8 tasks at concurrency 8", run: () => timeExecutor(sleepPlan(8), { concurrency: 8 }) },
    ],
    ROUNDS,
  );
  const wall = median(parallel.get("8 tasks at concurrency 8") ?? []);
  lines.push(`parallel efficiency: 8 independent tasks of a nominal 1 s (sleep 1), concurrency 8:`);
  lines.push(...report(parallel, "one task alone", { "8 tasks at concurrency 8": 1.15 }));
  lines.push(
    `  wall / nominal 1 s: ${(wall / 1000).toFixed(2)}; ` +
      `one task alone / nominal 1 s: ${(median(parallel.get("one task alone") ?? []) / 1000).toFixed(2)} ` +
      `(per-run cost: ${ratio(parallel, "8 tasks at concurrency 8", "one task alone").toFixed(2)}x one task)`,
  );
  return lines;
}
