/**
 * The offline command-line demo (`npm run demo:cli`): no GitHub account, no API key, no network. It drives the real
 * CLI in-process, with Claude's side replayed from the bundled cassette:
 * validate and show the example plans, plan "add 2FA" for a throwaway copy of examples/repo, run the
 * plan (one commit per task), show its status, roll back one task and its dependents, then the rest.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { processIO } from "../src/cli/io.js";
import { main } from "../src/cli/program.js";
import { dependents } from "../src/plan/graph.js";
import { loadPlan } from "../src/plan/load-plan.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const cassette = "examples/cassettes/demo-2fa.jsonl"; // relative to the repository root, the cwd
const io = processIO();
const bold = (s: string) => (io.isTTY && !process.env["NO_COLOR"] ? `\u001b[1m${s}\u001b[22m` : s);

function step(title: string): void {
  io.out(`\n${bold(`━━ ${title}`)}\n`);
}

/** Runs `planwright ARGS` in-process, echoing the command line first; stops the demo on failure. */
async function planwright(args: string[], expected: number[] = [0]): Promise<number> {
  const shown = args.map((a) => (a.startsWith(work) ? relative(work, a) || "." : a));
  io.out(`$ planwright ${shown.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(" ")}\n`);
  const code = await main(args, io);
  if (!expected.includes(code)) {
    io.err(`\ndemo: planwright ${args[0]} exited with ${code}\n`);
    process.exit(1);
  }
  return code;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], {
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Demo",
      GIT_AUTHOR_EMAIL: "demo@example.invalid",
      GIT_COMMITTER_NAME: "Demo",
      GIT_COMMITTER_EMAIL: "demo@example.invalid",
    },
  }).trim();
}

const work = await mkdtemp(join(tmpdir(), "planwright-demo-"));
try {
  const examples = (await readdir(join(root, "examples/plans")))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => join("examples/plans", f));
  process.chdir(root);

  step("1. The example plans validate");
  await planwright(["validate", ...examples]);

  step("2. A plan as a reviewer sees it");
  await planwright(["show", "examples/plans/two-factor-auth.yaml"]);

  step("3. A throwaway repository, copied from examples/repo");
  const repo = join(work, "acme");
  await cp(join(root, "examples/repo"), repo, { recursive: true });
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "Initial commit");
  const baseTree = git(repo, "rev-parse", "HEAD^{tree}");
  io.out(`${git(repo, "log", "--oneline")}\n`);

  step('4. Claude plans "add 2FA" (replayed from the bundled cassette)');
  const planFile = join(work, "add-2fa.yaml");
  await planwright(["plan", "add 2FA", "--repo", repo, "--out", planFile, "--replay", cassette]);
  await planwright(["show", planFile]);

  step("5. The plan runs: one commit per task, verified after each");
  await planwright(["run", planFile, "--repo", repo, "--replay", cassette]);
  io.out(`\n$ git log --oneline\n${git(repo, "log", "--oneline")}\n`);

  step("6. Status is read back from the commit trailers");
  await planwright(["status", planFile, "--repo", repo]);

  const plan = loadPlan(readFileSync(planFile, "utf8")).plan;
  const tasks = plan?.phases.flatMap((p) => p.tasks.map((t) => t.id)) ?? [];
  // the task with the fewest (but some) dependents shows a partial rollback best
  const withDependents = tasks
    .map((id) => ({ id, count: plan ? dependents(plan, id).length : 0 }))
    .filter((t) => t.count > 0)
    .sort((a, b) => a.count - b.count);
  const target = withDependents[0]?.id ?? tasks.at(-1);
  if (target) {
    step(`7. Roll back "${target}" and every task that needs it`);
    await planwright(["rollback", planFile, "--task", target, "--repo", repo]);
    await planwright(["status", planFile, "--repo", repo]);
  }

  step("8. Roll back everything: the tree is the base tree again, byte for byte");
  await planwright(["rollback", planFile, "--repo", repo]);
  io.out(`\n$ git log --oneline\n${git(repo, "log", "--oneline")}\n`);
  const same = git(repo, "rev-parse", "HEAD^{tree}") === baseTree;
  io.out(`tree after rollback ${same ? "==" : "!="} tree before the first task\n`);
  if (!same) process.exit(1);

  io.out(
    `\n${bold("Done.")} The same cycle on GitHub: npm run demo; in a browser: npm run playground. Your own repository: planwright --help\n`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
