/**
 * The `planwright` command line, built with commander. Each command lives in src/cli/commands/ and
 * registers itself here; a command's action returns its exit status instead of exiting, so the
 * whole CLI runs in-process in tests.
 *
 * Building the program loads only commander and the commands' definitions: each command imports
 * what it runs (the plan domain, git, the engine, the model SDK) inside its action, so `--version`
 * and `--help` cost little more than Node's own start and `validate` loads only the plan domain.
 */
import { Command, CommanderError } from "commander";
import { PlanwrightError, messageOf } from "../errors.js";
import { EXIT_FAILURE, EXIT_USAGE, type CliIO } from "./io.js";
import { registerSchema } from "./commands/schema.js";
import { registerShow } from "./commands/show.js";
import { registerValidate } from "./commands/validate.js";
import { registerStatus } from "./commands/status.js";
import { registerRollback } from "./commands/rollback.js";
import { createRunCommand } from "./commands/run.js";
import { registerPlan } from "./commands/plan.js";
import { registerRevise } from "./commands/revise.js";
import { registerAdopt, registerSkip } from "./commands/record.js";
import { registerVerifyBundle } from "./commands/verify-bundle.js";
import type { RunCommandDeps } from "./commands/run.js";

export const VERSION = "0.1.0";

/** A command's action: resolves to the process exit status. */
export type CommandRunner = (io: CliIO) => Promise<number>;

/** Builds the program; `setExit` receives the exit status of the command that ran. */
export function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const program = new Command("planwright")
    .description("Review AI-generated plans in pull requests, execute them one commit per task, undo them.")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(run with --help for usage)");
  const run = async (runner: CommandRunner) => setExit(await runner(io));
  registerValidate(program, run);
  registerShow(program, run);
  registerSchema(program, run);
  registerStatus(program, run);
  registerRollback(program, run);
  registerPlan(program, run);
  registerRevise(program, run);
  registerVerifyBundle(program, run);
  registerSkip(program, run);
  registerAdopt(program, run);
  createRunCommand({ model: lazyRunModel })(program, run);
  return program;
}

/** The run command's model, from the model factory loaded only when a plan runs. */
const lazyRunModel: NonNullable<RunCommandDeps["model"]> = async (io, options) =>
  (await import("./model-factory.js")).runModelFor(io, options);

/**
 * Registers one command on the program. Call `run(runner)` inside the commander action: it runs the
 * runner with the CLI's IO and keeps its exit status, e.g.
 * `.action((file, opts) => run(async (io) => { …; return 0; }))`.
 */
export type Register = (program: Command, run: (runner: CommandRunner) => Promise<void>) => void;

/** Runs the CLI with `argv` (without node and script) and resolves to the exit status. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; parse errors were already printed by commander
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof PlanwrightError) {
      io.err(`planwright: ${error.message}\n`);
      return error.failureClass === "usage" ? EXIT_USAGE : EXIT_FAILURE;
    }
    io.err(`planwright: internal error: ${messageOf(error)}\n`);
    return EXIT_FAILURE;
  }
}
