import type { ExecutionState } from "../../engine/state.js";
import type { Plan } from "../../plan/schema.js";
import { EXIT_FAILURE, EXIT_OK } from "../io.js";
import type { Register } from "../program.js";

/** The JSON shape of `planwright status --json`. */
export interface StatusReport {
  plan: string;
  title: string;
  done: number;
  total: number;
  tasks: { id: string; title: string; status: string; sha?: string; revertSha?: string }[];
  foreign: { sha: string; subject: string }[];
}

export function statusReport(plan: Plan, state: ExecutionState): StatusReport {
  const tasks: StatusReport["tasks"] = [];
  for (const phase of plan.phases) {
    for (const task of phase.tasks) {
      const s = state.tasks.get(task.id);
      tasks.push({
        id: task.id,
        title: task.title,
        status: s?.status ?? "pending",
        ...(s?.sha ? { sha: s.sha } : {}),
        ...(s?.revertSha ? { revertSha: s.revertSha } : {}),
      });
    }
  }
  return {
    plan: plan.id,
    title: plan.title,
    done: state.done,
    total: state.total,
    tasks,
    // a commit made by hand and adopted as a task's result is accounted for
    foreign: state.foreign
      .filter((c) => ![...state.tasks.values()].some((s) => s.adopted === c.sha))
      .map((c) => ({ sha: c.sha, subject: c.subject })),
  };
}

/** The human-readable table: one line per task, then the progress line. */
export function formatStatus(report: StatusReport): string {
  const idWidth = Math.max(...report.tasks.map((t) => t.id.length));
  const lines = [`${report.plan}: ${report.title}`];
  for (const t of report.tasks) {
    const where =
      t.status === "done"
        ? (t.sha ?? "").slice(0, 7)
        : t.status === "reverted"
          ? (t.revertSha ?? "").slice(0, 7)
          : "";
    lines.push(`  ${t.status.padEnd(8)}  ${where.padEnd(7)}  ${t.id.padEnd(idWidth)}  ${t.title}`);
  }
  lines.push(`${report.done}/${report.total} done`);
  if (report.foreign.length > 0) {
    lines.push(
      `warning: ${report.foreign.length} commit(s) on the branch are not Planwright task commits: ` +
        report.foreign.map((c) => `${c.sha.slice(0, 7)} "${c.subject}"`).join(", "),
    );
  }
  return lines.join("\n") + "\n";
}

/** `planwright status PLAN_FILE`: each task's state as recorded in the branch's commits. */
export const registerStatus: Register = (program, run) => {
  program
    .command("status")
    .description("show which tasks of a plan are done, pending or reverted on the current branch")
    .argument("<plan>", "the plan file (.yaml)")
    .option("--repo <dir>", "the git repository (default: the current directory)")
    .option("--json", "print the status as JSON")
    .addHelpText("after", "\nReverted tasks show the sha of their revert commit.")
    .action((file: string, options: { repo?: string; json?: boolean }) =>
      run(async (io) => {
        const [{ openPlanInRepo }, { deriveState }] = await Promise.all([
          import("../open-plan-in-repo.js"),
          import("../../engine/state.js"),
        ]);
        const opened = await openPlanInRepo(io, file, options.repo);
        if (!opened) return EXIT_FAILURE;
        const state = deriveState(
          opened.plan,
          opened.planBlob,
          await opened.workspace.history(),
          undefined,
          new Set(opened.samePlanBlobs),
        );
        const report = statusReport(opened.plan, state);
        io.out(options.json ? JSON.stringify(report, null, 2) + "\n" : formatStatus(report));
        return EXIT_OK;
      }),
    );
};
