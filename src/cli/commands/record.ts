/**
 * `planwright skip [PLAN] TASK` and `planwright adopt [PLAN] TASK [COMMIT]`: the way out when a
 * task cannot or need not run as planned, the CLI's `/skip`. Both record the task as done in an
 * empty commit with its trailers, so `run` goes on after it; `adopt` first holds the hand-made
 * commit to the plan's and the configuration's path policy.
 */
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { UsageError } from "../../errors.js";
import type { RecordResult } from "../../engine/record-task.js";
import { EXIT_FAILURE, EXIT_OK, type CliIO } from "../io.js";
import { shellWord } from "../next-commands.js";
import type { Register } from "../program.js";

interface RecordFlags {
  repo?: string;
  json?: boolean;
}

const PLAN_FILE = /\.ya?ml$/i;

/** The plan file named first, or the repository's only plan under .planwright/plans. */
async function planAndRest(io: CliIO, args: string[], repo: string | undefined): Promise<[string, string[]]> {
  const [first, ...rest] = args;
  if (first !== undefined && PLAN_FILE.test(first)) return [first, rest];
  const folder = join(resolve(io.cwd, repo ?? "."), ".planwright", "plans");
  const plans = (await readdir(folder).catch(() => [] as string[])).filter((f) => PLAN_FILE.test(f)).sort();
  if (plans.length !== 1) {
    throw new UsageError(
      plans.length === 0
        ? "no plan file under .planwright/plans: name it, e.g. planwright skip PLAN.yaml TASK"
        : `several plans under .planwright/plans (${plans.join(", ")}): name one, e.g. planwright skip .planwright/plans/${plans[0]} TASK`,
    );
  }
  const file = join(repo ?? ".", ".planwright", "plans", plans[0] ?? "");
  return [file, args];
}

function report(io: CliIO, flags: RecordFlags, file: string, verb: string, result: RecordResult): number {
  const cont = `planwright run ${shellWord(file)}${flags.repo !== undefined ? ` --repo ${shellWord(flags.repo)}` : ""}`;
  if (flags.json) {
    io.out(JSON.stringify({ ...result, action: verb, next: [cont] }, null, 2) + "\n");
    return EXIT_OK;
  }
  const adopted = result.adopted ? ` (commit ${result.adopted.slice(0, 7)})` : "";
  io.out(
    `${verb} ${result.taskId}${adopted}: recorded by ${result.sha.slice(0, 7)}\nnext:\n  ${cont}    # go on with the rest of the plan\n`,
  );
  return EXIT_OK;
}

export const registerSkip: Register = (program, run) => {
  program
    .command("skip")
    .description("mark a task done without running it (an empty commit with its trailers), like /skip")
    .argument("<args...>", "[PLAN] TASK (PLAN defaults to the only plan under .planwright/plans)")
    .option("--repo <dir>", "the git repository (default: the current directory)")
    .option("--json", "print the result as JSON")
    .action((args: string[], flags: RecordFlags) =>
      run(async (io) => {
        const [file, rest] = await planAndRest(io, args, flags.repo);
        const [taskId] = rest;
        if (taskId === undefined || rest.length > 1)
          throw new UsageError("usage: planwright skip [PLAN] TASK");
        // the engine and git load when the command runs, not for --help
        const [{ openPlanInRepo }, { skipTask }] = await Promise.all([
          import("../open-plan-in-repo.js"),
          import("../../engine/record-task.js"),
        ]);
        const opened = await openPlanInRepo(io, file, flags.repo);
        if (!opened) return EXIT_FAILURE;
        const result = await skipTask(opened.workspace, opened.plan, opened.planBlob, taskId, {
          samePlanBlobs: opened.samePlanBlobs,
        });
        return report(io, flags, file, "skipped", result);
      }),
    );
};

export const registerAdopt: Register = (program, run) => {
  program
    .command("adopt")
    .description("record a commit made by hand (HEAD by default) as a task's result, after the policy check")
    .argument("<args...>", "[PLAN] TASK [COMMIT]")
    .option("--repo <dir>", "the git repository (default: the current directory)")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nEvery path the commit changes must be allowed by the plan's and the configuration's path policy.\n" +
        "Rolling the task back reverts the adopted commit.",
    )
    .action((args: string[], flags: RecordFlags) =>
      run(async (io) => {
        const [file, rest] = await planAndRest(io, args, flags.repo);
        const [taskId, commit] = rest;
        if (taskId === undefined || rest.length > 2) {
          throw new UsageError("usage: planwright adopt [PLAN] TASK [COMMIT]");
        }
        const [{ openPlanInRepo }, { adoptCommit }, { mergePolicy }] = await Promise.all([
          import("../open-plan-in-repo.js"),
          import("../../engine/record-task.js"),
          import("../../plan/policy.js"),
        ]);
        const opened = await openPlanInRepo(io, file, flags.repo);
        if (!opened) return EXIT_FAILURE;
        const result = await adoptCommit(opened.workspace, opened.plan, opened.planBlob, taskId, {
          ...(commit !== undefined ? { commit } : {}),
          policy: mergePolicy(opened.config.policy, opened.plan.policy),
          extraDeny: opened.config.policy.paths?.deny ?? [],
          samePlanBlobs: opened.samePlanBlobs,
        });
        return report(io, flags, file, "adopted", result);
      }),
    );
};
