import { resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { PolicyError, UsageError } from "../../errors.js";
import { DEFAULT_APPLY_CAPS, type ApplyCaps } from "../../engine/apply-caps.js";
import { EXIT_FAILURE, EXIT_OK } from "../io.js";
import type { Register } from "../program.js";

interface VerifyBundleOptions {
  plan: string;
  base: string;
  repo?: string;
  planBlob?: string;
  deny?: string[];
  protectedAllow?: string[];
  maxFiles?: number;
  maxBytes?: number;
  maxFileBytes?: number;
  push?: string;
  branch?: string;
}

const HELP = `
Reads the bundle's commits into the repository (its objects are fsck-checked; nothing in it runs),
then checks every commit from --base to the bundle's head: each sits on the one before, is a task
commit of the plan with the right trailers, changes only paths the policy allows (protected paths
only when the plan names them, its risk is critical and --protected-allow lists them; never the plan
file), stays inside an edit task's edit.files, adds no symlink that leads (through the commit's
tree, links included) out of the repository or to a protected path, no submodule and no executable outside bin/, scripts/ or *.sh, and stays
within the size caps (defaults: ${DEFAULT_APPLY_CAPS.maxFiles} files, ${DEFAULT_APPLY_CAPS.maxCommitBytes} bytes per commit, ${DEFAULT_APPLY_CAPS.maxFileBytes} bytes per file).
With --push, the verified head is then pushed to --branch, only if the remote branch is still at
--base. The token comes from PLANWRIGHT_PUSH_TOKEN or GITHUB_TOKEN.

Exit status: 0 verified (and pushed), 1 refused, 2 usage error.`;

function count(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number");
  return n;
}

/** `planwright verify-bundle BUNDLE`: the privileged half of the two-tier set-up. */
export const registerVerifyBundle: Register = (program, run) => {
  program
    .command("verify-bundle")
    .description("verify the task commits of a git bundle against a plan, then optionally push them")
    .argument("<bundle>", "git bundle made by the job that ran the plan")
    .requiredOption("--plan <file>", "the approved plan file")
    .requiredOption("--base <sha>", "the branch head the commits must build on")
    .option("--repo <dir>", "the git repository (default: the current folder)")
    .option("--plan-blob <sha>", "refuse unless the plan file is this approved blob")
    .option("--deny <globs...>", "further paths no commit may touch (e.g. from the configuration)")
    .option(
      "--protected-allow <globs...>",
      "protected paths the plan may touch when it names them (policy.protected.allow of the configuration)",
    )
    .option("--max-files <n>", "most files one commit may change", count)
    .option("--max-bytes <n>", "most bytes of new content in one commit", count)
    .option("--max-file-bytes <n>", "largest file one commit may add or change", count)
    .option("--push <url>", "push the verified head to this remote URL")
    .option("--branch <name>", "the branch to push to (with --push)")
    .addHelpText("after", HELP)
    .action((bundle: string, options: VerifyBundleOptions) =>
      run(async (io) => {
        if (options.push && !options.branch) throw new UsageError("--push needs --branch");
        const token = io.env["PLANWRIGHT_PUSH_TOKEN"] || io.env["GITHUB_TOKEN"];
        if (options.push && !token)
          throw new UsageError("--push needs PLANWRIGHT_PUSH_TOKEN or GITHUB_TOKEN");
        const [
          { openPlanInRepo },
          { verifyCommitRange },
          { pushWithToken },
          { readTaskBundle },
          { mergePolicy },
          { deriveState },
        ] = await Promise.all([
          import("../open-plan-in-repo.js"),
          import("../../engine/apply-check.js"),
          import("../../git/credential-push.js"),
          import("../../git/task-bundle.js"),
          import("../../plan/policy.js"),
          import("../../engine/state.js"),
        ]);
        const opened = await openPlanInRepo(io, options.plan, options.repo);
        if (!opened) return EXIT_FAILURE;
        const { plan, planBlob, workspace, planFile } = opened;
        if (options.planBlob && options.planBlob !== planBlob) {
          throw new PolicyError(
            `${options.plan} is blob ${planBlob.slice(0, 7)}, not the approved ${options.planBlob.slice(0, 7)}`,
          );
        }
        const resolved = await workspace.git(
          ["rev-parse", "--verify", "--quiet", "--end-of-options", `${options.base}^{commit}`],
          { okCodes: [1] },
        );
        const base = resolved.stdout.trim();
        if (resolved.code !== 0 || base === "")
          throw new UsageError(`--base ${options.base}: no such commit here`);
        const head = await readTaskBundle(workspace, resolve(io.cwd, bundle));
        const caps: Partial<ApplyCaps> = {
          ...(options.maxFiles !== undefined ? { maxFiles: options.maxFiles } : {}),
          ...(options.maxBytes !== undefined ? { maxCommitBytes: options.maxBytes } : {}),
          ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
        };
        // the tasks done at the base (its history's record): each bundle commit must be for a
        // task not done yet whose needs are done, so a commit naming a later task is refused
        const atBase = (await workspace.head()) === base;
        const state = atBase ? deriveState(plan, planBlob, await workspace.history()) : undefined;
        const done = state
          ? [...state.tasks].filter(([, t]) => t.status === "done").map(([id]) => id)
          : undefined;
        const commits = await verifyCommitRange(workspace, {
          plan,
          planBlob,
          ...(done ? { done } : {}),
          policy: mergePolicy(plan.policy),
          extraDeny: options.deny ?? [],
          ...(options.protectedAllow ? { protectedConfig: { allow: options.protectedAllow } } : {}),
          ...(planFile ? { planFile } : {}),
          caps,
          base,
          head,
        });
        io.out(`verified ${commits.length} task commit(s) from ${base.slice(0, 7)} to ${head.slice(0, 7)}\n`);
        if (options.push && options.branch && token) {
          await pushWithToken(workspace.root, options.push, options.branch, token, {
            sha: head,
            expectedRemoteHead: base,
          });
          io.out(`pushed ${head.slice(0, 7)} to ${options.branch}\n`);
        }
        return EXIT_OK;
      }),
    );
};
