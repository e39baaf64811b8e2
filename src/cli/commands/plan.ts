import type { Register } from "../program.js";
import type { PlanOptions } from "./plan-action.js";

/** `planwright plan "REQUEST"`: asks Claude for a plan of the repository and writes a valid plan file. */
export const registerPlan: Register = (program, run) => {
  program
    .command("plan")
    .description("generate a plan for a change request with Claude and write it as a plan file")
    .argument("<request>", 'the change request, e.g. "add 2FA"')
    .option("--repo <dir>", "the repository to plan for (default: the current folder)")
    .option(
      "--issue-file <file>",
      "JSON with the issue: { number, title, body, comments: [{ author, body }] }",
    )
    .option(
      "--out <file>",
      "where to write the plan (default: .planwright/plans/<id>.yaml in the repository)",
    )
    .option("--repairs <n>", "repair turns when the plan does not validate (default 2)")
    .option("--model <id>", "the Claude model (default: PLANWRIGHT_MODEL or claude-sonnet-4-6)")
    .option("--replay <cassette>", "answer from a recorded cassette, offline")
    .option("--record <cassette>", "record every model exchange to a cassette")
    .action((request: string, options: PlanOptions) =>
      run(async (io) => {
        const { planAction } = await import("./plan-action.js");
        return planAction(request, options, io);
      }),
    );
};
