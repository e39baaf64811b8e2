import { UsageError } from "../../errors.js";
import { EXIT_FAILURE, EXIT_OK } from "../io.js";
import type { Register } from "../program.js";

interface RollbackFlags {
  task?: string;
  repo?: string;
  push?: string;
  branch?: string;
}

/** `planwright rollback PLAN_FILE`: reverts task commits with `git revert`, all or nothing. */
export const registerRollback: Register = (program, run) => {
  program
    .command("rollback")
    .description("revert the plan's task commits (newest first) with git revert; never rewrites history")
    .argument("<plan>", "the plan file (.yaml)")
    .option("--task <id>", "roll back only this task and the done tasks that need it")
    .option("--repo <dir>", "the git repository (default: the current directory)")
    .option("--push <remote>", "push the branch to this remote once every revert succeeded (needs --branch)")
    .option("--branch <name>", "the remote branch to push to")
    .addHelpText(
      "after",
      "\nOn a conflict nothing changes: the branch is reset to where it was and nothing is pushed.\n" +
        "Exit status: 0 rolled back (or nothing to do), 1 conflict or invalid plan, 2 usage error.",
    )
    .action((file: string, flags: RollbackFlags) =>
      run(async (io) => {
        if ((flags.push === undefined) !== (flags.branch === undefined)) {
          throw new UsageError("--push and --branch go together: --push REMOTE --branch NAME");
        }
        const [{ openPlanInRepo }, { rollback }] = await Promise.all([
          import("../open-plan-in-repo.js"),
          import("../../engine/rollback.js"),
        ]);
        const opened = await openPlanInRepo(io, file, flags.repo);
        if (!opened) return EXIT_FAILURE;
        const result = await rollback(opened.workspace, opened.plan, opened.planBlob, {
          samePlanBlobs: opened.samePlanBlobs,
          ...(flags.task !== undefined ? { taskId: flags.task } : {}),
          ...(flags.push !== undefined && flags.branch !== undefined
            ? { push: { remote: flags.push, branch: flags.branch } }
            : {}),
        });
        if (result.reverted.length === 0) {
          io.out(`nothing to roll back: no task of ${opened.plan.id} is done\n`);
          return EXIT_OK;
        }
        const titles = new Map(
          opened.plan.phases.flatMap((p) => p.tasks.map((t) => [t.id, t.title] as const)),
        );
        for (const r of result.reverted) {
          io.out(
            `reverted ${r.taskId} (${r.sha.slice(0, 7)}) by ${r.revertSha.slice(0, 7)}  ${titles.get(r.taskId) ?? ""}\n`,
          );
        }
        const pushed = flags.push !== undefined ? `; pushed to ${flags.push}/${flags.branch}` : "";
        io.out(
          `rolled back ${result.reverted.length} task(s); HEAD is ${result.head.slice(0, 7)}${pushed}\n`,
        );
        return EXIT_OK;
      }),
    );
};
