import { InvalidArgumentError, Option } from "commander";
import { resolve } from "node:path";
import type { RunResult } from "../../engine/executor.js";
import { formatNextCommands, nextCommandsOf } from "../next-commands.js";
import type { Model, Reporter } from "../../engine/ports.js";
import { EXIT_FAILURE, EXIT_OK, useColor, type CliIO } from "../io.js";
import type { Register } from "../program.js";
import type { SandboxMode } from "../../engine/sandbox.js";
import type { GitWorkspace } from "../../git/git-workspace.js";

/** Exit status of a run that waits for `--continue`. */
export const EXIT_WAITING = 3;

export interface RunCommandOptions {
  repo?: string;
  continue?: boolean;
  dryRun?: boolean;
  push?: string;
  branch?: string;
  concurrency?: number;
  log?: string;
  json?: boolean;
  /** Model options (see model-factory.ts). */
  model?: string;
  replay?: string;
  record?: string;
  sandbox?: SandboxMode;
}

export interface RunCommandDeps {
  /**
   * The model for `edit` tasks, or undefined when none is configured (edit tasks then fail with a
   * policy error saying how to configure one). The model factory plugs in here.
   */
  model?: (io: CliIO, options: RunCommandOptions) => Promise<Model | undefined>;
  /** Where SIGINT/SIGTERM come from; the real process by default. */
  signals?: Pick<NodeJS.Process, "once" | "removeListener">;
}

const HELP = `
Tasks already done on the branch (found by their commit trailers) are skipped, so running again
after a failure or a crash resumes where the last run stopped.

Exit status:
  0  every task is done
  1  a task failed, the run was cancelled, or the plan or repository is unusable
  2  wrong usage
  3  waiting for confirmation (a manual phase or a checkpoint): run again with --continue
`;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new InvalidArgumentError("must be a whole number from 1 to 64");
  return n;
}

/** The exit status for a run's outcome. */
export function exitStatusOf(result: RunResult): number {
  if (result.outcome === "succeeded") return EXIT_OK;
  if (result.outcome === "waiting") return EXIT_WAITING;
  return EXIT_FAILURE;
}

/** `planwright run PLAN_FILE`: executes the plan in a git repository, one commit per task. */
export function createRunCommand(deps: RunCommandDeps = {}): Register {
  return (program, run) => {
    program
      .command("run")
      .description("execute a plan: one commit per task, verification after each, resumable")
      .argument("<plan-file>", "plan file (.yaml)")
      .option("--repo <dir>", "the git repository to run in (default: the current folder)")
      .option("--continue", "pass one waiting point (a manual phase task or the task after a checkpoint)")
      .option("--dry-run", "print the waves and what each task would do, without changing anything")
      .option("--push <remote>", "push after each task commit (never forced); a rejected push stops the run")
      .option("--branch <name>", "the remote branch to push to (default: planwright/<plan id>)")
      .option("--concurrency <n>", "most tasks of a parallel phase at once (default 4)", positiveInt)
      .option("--log <file>", "append every event as a JSON line to this file")
      .addOption(
        new Option(
          "--sandbox <mode>",
          "run commands under bubblewrap: required (refuse without it), auto (warn and run unconfined without it), off",
        ).choices(["required", "auto", "off"]),
      )
      .option("--json", "print the result as JSON on stdout (progress goes to stderr)")
      .option(
        "--model <id>",
        "the Claude model for edit tasks (default: PLANWRIGHT_MODEL or claude-sonnet-4-6)",
      )
      .option("--replay <cassette>", "answer model calls from a recorded cassette, offline")
      .option("--record <cassette>", "record every model exchange to a cassette")
      .addHelpText("after", HELP)
      .action((file: string, options: RunCommandOptions) =>
        run(async (io) => {
          // the engine, git and the reporters load when a plan runs, not for --help
          const [
            { openPlanInRepo },
            { runPlan },
            { JsonlReporter, teeReporter },
            { ProgressReporter, formatTaskTable },
            { commandSandbox },
            { withPush },
          ] = await Promise.all([
            import("../open-plan-in-repo.js"),
            import("../../flows/run-plan.js"),
            import("../jsonl-reporter.js"),
            import("../progress-reporter.js"),
            import("../../flows/command-sandbox.js"),
            import("../../engine/with-push.js"),
          ]);
          const opened = await openPlanInRepo(io, file, options.repo);
          if (!opened) return EXIT_FAILURE;
          const { plan, planBlob, workspace, config, planFile } = opened;
          const target = { file, ...(options.repo !== undefined ? { repo: options.repo } : {}) };
          const log = options.log ? new JsonlReporter(resolve(io.cwd, options.log)) : undefined;
          // with --json, stdout carries only the result
          const say = options.json ? (t: string) => io.err(t) : (t: string) => io.out(t);
          const progress = new ProgressReporter(
            { write: say, tty: io.isTTY && !options.dryRun && !options.json, color: useColor(io) },
            plan,
          );
          const reporter: Reporter = log ? teeReporter(progress, log) : progress;
          const model = deps.model ? await deps.model(io, options) : undefined;
          const sandbox = options.dryRun
            ? undefined
            : await commandSandbox(workspace, {
                mode: options.sandbox ?? config.execution.sandbox ?? "auto",
                env: io.env,
                onWarning: (m) => io.err(`planwright: warning: ${m}\n`),
              });
          // the push URL is read before any task runs, and the push happens outside the
          // repository's own configuration (hooks, pushurl, insteadOf, helpers a task wrote)
          const pushTo =
            options.push && !options.dryRun ? await isolatedPush(workspace, options.push) : undefined;
          const controller = new AbortController();
          const signals = deps.signals ?? process;
          let interrupts = 0;
          const onSignal = () => {
            interrupts++;
            if (interrupts === 1) {
              io.err(
                "planwright: stopping: discarding the current task (press Ctrl-C again to quit at once)\n",
              );
              controller.abort();
            } else {
              process.exit(130);
            }
          };
          signals.once("SIGINT", onSignal);
          signals.once("SIGTERM", onSignal);
          try {
            const result = await runPlan(config.execution.stop_on_error, {
              plan,
              planBlob,
              workspace: pushTo ? withPush(workspace, pushTo) : workspace,
              reporter,
              signal: controller.signal,
              env: io.env,
              ...(sandbox ? { sandbox } : {}),
              ...(planFile ? { planFile } : {}),
              policy: config.policy,
              samePlanBlobs: opened.samePlanBlobs,
              extraDeny: config.policy.paths?.deny ?? [],
              concurrency: options.concurrency ?? config.execution.concurrency,
              ...(model ? { model } : {}),
              ...(options.continue ? { confirm: true } : {}),
              ...(options.dryRun ? { dryRun: true } : {}),
              ...(options.push
                ? { push: { remote: options.push, branch: options.branch ?? `planwright/${plan.id}` } }
                : {}),
            });
            const next = result.dryRun ? [] : nextCommandsOf(result, target);
            if (options.json) {
              io.out(JSON.stringify({ plan: plan.id, ...result, next }, null, 2) + "\n");
              return exitStatusOf(result);
            }
            if (result.dryRun) {
              io.out(result.dryRun.join("\n") + "\n");
            } else {
              io.out("\n" + formatTaskTable(result.tasks));
            }
            const report = (model as { report?: () => string } | undefined)?.report;
            if (report && !result.dryRun) io.out(`${report.call(model)}\n`);
            const line = `${result.outcome}: ${result.message}\n`;
            if (result.outcome === "failed" || result.outcome === "cancelled") {
              io.err(`planwright: ${line}${formatNextCommands(next)}`);
            } else io.out(line + formatNextCommands(next));
            return exitStatusOf(result);
          } finally {
            signals.removeListener("SIGINT", onSignal);
            signals.removeListener("SIGTERM", onSignal);
            log?.close();
          }
        }),
      );
  };
}

/** The `run` command without a model; the model factory registers its own with createRunCommand. */
export const registerRun: Register = createRunCommand();

/** A push to the remote's push URL as it is now, from outside the repository's configuration. */
async function isolatedPush(
  workspace: GitWorkspace,
  remote: string,
): Promise<(remote: string, branch: string, sha?: string) => Promise<void>> {
  const known = await workspace.git(["remote", "get-url", "--push", "--", remote], { okCodes: [2, 128] });
  const url = known.code === 0 ? known.stdout.trim() : remote;
  const { pushIsolated } = await import("../../git/credential-push.js");
  return (_remote, branch, sha) => pushIsolated(workspace.root, url, branch, sha ? { sha } : {});
}
