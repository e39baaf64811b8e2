import { REVIEW_MODE_PROMPTS } from "../../llm/prompts.js";
import type { Register } from "../program.js";
import type { ReviseOptions } from "./revise-action.js";

/** `planwright revise FILE --comments FILE.json [--mode …]`: revise from review, or suggest improvements. */
export const registerRevise: Register = (program, run) => {
  program
    .command("revise")
    .description("revise a plan from review comments with Claude, or suggest improvements (--mode)")
    .argument("<plan-file>", "plan file (.yaml)")
    .option(
      "--comments <file>",
      "JSON: { reviews: [{ author, body }], comments: [{ author, path, line, body }] }",
    )
    .option("--mode <mode>", `revise (default), ${Object.keys(REVIEW_MODE_PROMPTS).join(", ")}`)
    .option("--instruction <text>", "an extra instruction for the model")
    .option("--apply <list>", "review modes: apply these suggestions (e.g. 1,3 or all) and write the plan")
    .option("--out <file>", "where to write the revised plan (default: the plan file itself)")
    .option("--model <id>", "the Claude model (default: PLANWRIGHT_MODEL or claude-sonnet-4-6)")
    .option("--replay <cassette>", "answer from a recorded cassette, offline")
    .option("--record <cassette>", "record every model exchange to a cassette")
    .action((file: string, options: ReviseOptions) =>
      run(async (io) => {
        const { reviseAction } = await import("./revise-action.js");
        return reviseAction(file, options, io);
      }),
    );
};
