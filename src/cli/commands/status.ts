import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "../../errors.js";
import { planBlobOf } from "../../engine/plan-blob.js";
import { deriveState, type ExecutionState } from "../../engine/state.js";
import { openWorkspace, type GitWorkspace } from "../../git/git-workspace.js";
import { hasErrors } from "../../plan/diagnostics.js";
import { formatProblems, loadPlan } from "../../plan/load-plan.js";
import type { Plan } from "../../plan/schema.js";
import {
  CONFIG_FILE,
  DEFAULT_CONFIG,
  formatConfigDiagnostic,
  parseConfig,
  type Config,
} from "../../config.js";
import { TRAILER_PLAN, TRAILER_PLAN_BLOB } from "../../engine/ports.js";
import { readDefaultBranchFile } from "../../git/default-branch-file.js";
import { readBlobText } from "../../git/read-blob.js";
import { graphHash } from "../../plan/graph.js";
import { EXIT_FAILURE, EXIT_OK, type CliIO } from "../io.js";
import type { Register } from "../program.js";

/** A validated plan, the blob id of its file, the repository it runs in and its configuration. */
export interface PlanInRepo {
  plan: Plan;
  planBlob: string;
  workspace: GitWorkspace;
  /** `.github/planwright.yml` (the default branch's version when there is one), or the defaults. */
  config: Config;
  /** The plan file as the user named it, for the next commands printed. */
  file: string;
  /** Earlier blobs of the plan file on the branch whose tasks are the same (only cosmetic edits). */
  samePlanBlobs: string[];
}

/**
 * Blobs of earlier versions of the plan file named by this plan's task commits that describe the
 * same tasks (equal graphHash: titles, summaries and other prose may differ). Locally, a run
 * resumes over those with a warning; on GitHub the approval rules decide instead.
 */
async function cosmeticVersions(
  io: CliIO,
  file: string,
  workspace: GitWorkspace,
  plan: Plan,
  planBlob: string,
  extraDeny: readonly string[],
): Promise<string[]> {
  const blobs = new Set<string>();
  for (const commit of await workspace.history()) {
    const blob = commit.trailers[TRAILER_PLAN_BLOB];
    if (commit.trailers[TRAILER_PLAN] === plan.id && blob !== undefined && blob !== planBlob) blobs.add(blob);
  }
  const same: string[] = [];
  const hash = graphHash(plan);
  for (const blob of blobs) {
    const text = await readBlobText(workspace, blob);
    const earlier = text === undefined ? undefined : loadPlan(text, { extraDeny }).plan;
    if (earlier && earlier.id === plan.id && graphHash(earlier) === hash) same.push(blob);
  }
  if (same.length > 0) {
    io.err(
      `warning: ${file} changed since its tasks were committed (blob ${same.map((b) => b.slice(0, 7)).join(", ")} -> ${planBlob.slice(0, 7)}), ` +
        "but only in fields that change no task (graph unchanged): resuming\n",
    );
  }
  return same;
}

/**
 * The repository's configuration as GitHub would apply it: `.github/planwright.yml` from the
 * default branch when there is one, else the working tree's, else the defaults. An invalid file
 * is an error (never silently the defaults).
 */
export async function readRepoConfig(workspace: GitWorkspace): Promise<Config> {
  const file = await readDefaultBranchFile(workspace, CONFIG_FILE);
  if (!file) return DEFAULT_CONFIG;
  const result = parseConfig(file.text, file.source);
  if (!result.config) {
    const problems = result.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => formatConfigDiagnostic(file.source, d));
    throw new UsageError(problems.join("\n") || `${file.source} is invalid`);
  }
  return result.config;
}

/**
 * Reads and validates `file` (relative to the CLI's cwd) and opens the repository at `repo`.
 * Prints the problems and resolves to undefined when the plan does not validate.
 */
export async function openPlanInRepo(
  io: CliIO,
  file: string,
  repo: string | undefined,
): Promise<PlanInRepo | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(resolve(io.cwd, file)));
  } catch {
    throw new UsageError(`${file}: no such file`);
  }
  const workspace = await openWorkspace(resolve(io.cwd, repo ?? "."));
  const config = await readRepoConfig(workspace);
  const result = loadPlan(bytes, { extraDeny: config.policy.paths?.deny ?? [] });
  if (result.diagnostics.length > 0) io.err(formatProblems(file, result.diagnostics) + "\n");
  if (hasErrors(result.diagnostics) || !result.plan) return undefined;
  const planBlob = planBlobOf(bytes);
  const extraDeny = config.policy.paths?.deny ?? [];
  const samePlanBlobs = await cosmeticVersions(io, file, workspace, result.plan, planBlob, extraDeny);
  return { plan: result.plan, planBlob, workspace, config, file, samePlanBlobs };
}

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
        const opened = await openPlanInRepo(io, file, options.repo);
        if (!opened) return EXIT_FAILURE;
        const state = deriveState(
          opened.plan,
          opened.planBlob,
          await opened.workspace.history(),
          new Set(opened.samePlanBlobs),
        );
        const report = statusReport(opened.plan, state);
        io.out(options.json ? JSON.stringify(report, null, 2) + "\n" : formatStatus(report));
        return EXIT_OK;
      }),
    );
};
