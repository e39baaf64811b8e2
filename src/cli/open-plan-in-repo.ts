/**
 * Opens a plan file and the repository it runs in, for the commands that execute or inspect a
 * plan (run, status, rollback, skip, adopt, verify-bundle): the plan validated against the
 * repository's configuration (the default branch's `.github/planwright.yml`), the earlier blobs
 * of the plan file that differ only cosmetically, and where the file lies in the repository. Its
 * own module so that those commands load git and the engine only when they run.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { CONFIG_FILE, DEFAULT_CONFIG, formatConfigDiagnostic, parseConfig, type Config } from "../config.js";
import { UsageError } from "../errors.js";
import { planBlobOf } from "../engine/plan-blob.js";
import { TRAILER_PLAN, TRAILER_PLAN_BLOB } from "../engine/ports.js";
import { readDefaultBranchFile } from "../git/default-branch-file.js";
import { openWorkspace, type GitWorkspace } from "../git/git-workspace.js";
import { readBlobText } from "../git/read-blob.js";
import { hasErrors } from "../plan/diagnostics.js";
import { graphHash } from "../plan/graph.js";
import { formatProblems, loadPlan } from "../plan/load-plan.js";
import type { Plan } from "../plan/schema.js";
import type { CliIO } from "./io.js";

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
  /** The plan file relative to the repository root, when it lies inside it. */
  planFile?: string;
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
  const inside = relative(workspace.root, resolve(io.cwd, file));
  const planFile =
    inside !== "" && !inside.startsWith("..") && !isAbsolute(inside)
      ? inside.split(sep).join("/")
      : undefined;
  return {
    plan: result.plan,
    planBlob,
    workspace,
    config,
    file,
    samePlanBlobs,
    ...(planFile ? { planFile } : {}),
  };
}
