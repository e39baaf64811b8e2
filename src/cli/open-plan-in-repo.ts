/**
 * Opens a plan file and the repository it runs in, for the commands that execute or inspect a
 * plan (run, status, rollback, verify-bundle). Its own module so that those commands load git and
 * the engine only when they run.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { UsageError } from "../errors.js";
import { planBlobOf } from "../engine/plan-blob.js";
import { openWorkspace, type GitWorkspace } from "../git/git-workspace.js";
import { hasErrors } from "../plan/diagnostics.js";
import { formatProblems, loadPlan } from "../plan/load-plan.js";
import type { Plan } from "../plan/schema.js";
import type { CliIO } from "./io.js";

/** A validated plan, the blob id of its file, and the repository it runs in. */
export interface PlanInRepo {
  plan: Plan;
  planBlob: string;
  workspace: GitWorkspace;
  /** The plan file relative to the repository root, when it lies inside it. */
  planFile?: string;
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
  const result = loadPlan(bytes);
  if (result.diagnostics.length > 0) io.err(formatProblems(file, result.diagnostics) + "\n");
  if (hasErrors(result.diagnostics) || !result.plan) return undefined;
  const workspace = await openWorkspace(resolve(io.cwd, repo ?? "."));
  const inside = relative(workspace.root, resolve(io.cwd, file));
  const planFile =
    inside !== "" && !inside.startsWith("..") && !isAbsolute(inside)
      ? inside.split(sep).join("/")
      : undefined;
  return { plan: result.plan, planBlob: planBlobOf(bytes), workspace, ...(planFile ? { planFile } : {}) };
}
