import { EXIT_FAILURE, EXIT_OK } from "../io.js";
import type { Register } from "../program.js";

/** `planwright validate FILE...`: compiler-style problems; exit 1 when any file has an error. */
export const registerValidate: Register = (program, run) => {
  program
    .command("validate")
    .description("check plan files; problems are printed as FILE:LINE:COL: error: MESSAGE")
    .argument("<files...>", "plan files (.yaml)")
    .option("--json", "print the problems as JSON")
    .addHelpText("after", "\nExit status: 0 valid (warnings allowed), 1 invalid, 2 usage error.")
    .action((files: string[], options: { json?: boolean }) =>
      run(async (io) => {
        // the plan domain loads when the command runs, not when the program is built (--help, --version)
        const [{ formatProblems }, { hasErrors }, { readPlanFile }] = await Promise.all([
          import("../../plan/load-plan.js"),
          import("../../plan/diagnostics.js"),
          import("../read-plan-file.js"),
        ]);
        let failed = false;
        const report: { file: string; valid: boolean; problems: unknown[] }[] = [];
        for (const file of files) {
          const result = await readPlanFile(file);
          const invalid = hasErrors(result.diagnostics);
          failed ||= invalid;
          if (options.json) {
            report.push({ file, valid: !invalid, problems: result.diagnostics.map((d) => ({ file, ...d })) });
          } else {
            if (result.diagnostics.length > 0) io.err(formatProblems(file, result.diagnostics) + "\n");
            if (!invalid)
              io.out(`${file}: valid${result.plan ? ` (${countTasks(result.plan)} tasks)` : ""}\n`);
          }
        }
        if (options.json) io.out(JSON.stringify(report, null, 2) + "\n");
        return failed ? EXIT_FAILURE : EXIT_OK;
      }),
    );
};

function countTasks(plan: { phases: { tasks: unknown[] }[] }): number {
  return plan.phases.reduce((n, p) => n + p.tasks.length, 0);
}
