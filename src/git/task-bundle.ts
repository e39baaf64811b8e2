/**
 * Git bundles for the two-tier set-up: the job that ran the plan (no write token) hands its task
 * commits over as a bundle; the job that holds the token reads it, verifies every commit, and
 * pushes. Reading a bundle only adds objects (checked with fsck) and one ref; nothing in it runs.
 */
import { UsageError } from "../errors.js";
import type { GitWorkspace } from "./git-workspace.js";
import { GitCommandError } from "./run-git.js";

/** Where the bundle's head is kept once read, so the objects stay until they are pushed. */
export const BUNDLE_REF = "refs/planwright/bundle-head";

/** Writes the commits from `base` (exclusive) to `head` of `workspace` into the bundle `file`. */
export async function createTaskBundle(
  workspace: GitWorkspace,
  file: string,
  base: string,
  head = "HEAD",
): Promise<void> {
  const from = await resolveCommit(workspace, base);
  const to = await resolveCommit(workspace, head);
  if (from === to) throw new UsageError(`nothing to bundle: ${head} is ${base}`);
  await workspace.git(["branch", "--force", "--no-track", "planwright-bundle", to]);
  try {
    await workspace.git(["bundle", "create", "--quiet", file, `${from}..refs/heads/planwright-bundle`]);
  } finally {
    await workspace.git(["branch", "--delete", "--force", "planwright-bundle"]).catch(() => undefined);
  }
}

/**
 * Reads the bundle `file` into `workspace`: its prerequisites must be there already, its objects
 * must pass fsck, and it must have exactly one head. Resolves to that head's sha (also kept in
 * {@link BUNDLE_REF}).
 */
export async function readTaskBundle(workspace: GitWorkspace, file: string): Promise<string> {
  try {
    await workspace.git(["bundle", "verify", "--quiet", file]);
  } catch (error) {
    throw new UsageError(`${file} is not a usable bundle here: ${bundleReason(error)}`, { cause: error });
  }
  const heads = (await workspace.git(["bundle", "list-heads", file])).stdout
    .split("\n")
    .map((line) => line.trim().split(" "))
    .filter(([sha, ref]) => /^[0-9a-f]{40,64}$/.test(sha ?? "") && ref !== undefined);
  const [only, ...others] = heads;
  if (!only || others.length > 0) {
    throw new UsageError(`${file} must hold exactly one head, it holds ${heads.length}`);
  }
  const [head = "", ref = ""] = only;
  await workspace.git([
    "-c",
    "fetch.fsckObjects=true",
    "fetch",
    "--quiet",
    "--no-tags",
    "--no-write-fetch-head",
    "--",
    file,
    `+${ref}:${BUNDLE_REF}`,
  ]);
  return resolveCommit(workspace, head);
}

async function resolveCommit(workspace: GitWorkspace, rev: string): Promise<string> {
  const result = await workspace.git(
    ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`],
    {
      okCodes: [1],
    },
  );
  const sha = result.stdout.trim();
  if (result.code !== 0 || sha === "") throw new UsageError(`no such commit: ${rev}`);
  return sha;
}

function bundleReason(error: unknown): string {
  if (error instanceof GitCommandError) {
    const missing = /lacks these prerequisite commits/.test(error.stderr);
    if (missing) return "the repository lacks the commit it builds on (fetch the branch first)";
    return error.message.replace(/^git \S+ failed: /, "");
  }
  return String(error);
}
