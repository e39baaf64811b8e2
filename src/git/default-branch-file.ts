/**
 * A file as the repository's default branch has it: the configuration applies from there (never
 * from the branch being worked on), locally as on GitHub. The default branch is what the `origin`
 * remote's HEAD names; without one (no remote, or never fetched), the working tree's file is used.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { GitWorkspace } from "./git-workspace.js";

export interface DefaultBranchFile {
  text: string;
  /** Where it was read: `origin/main:.github/planwright.yml`, or the path in the working tree. */
  source: string;
}

/** The default branch's version of `path`, else the working tree's; undefined when neither has it. */
export async function readDefaultBranchFile(
  workspace: GitWorkspace,
  path: string,
): Promise<DefaultBranchFile | undefined> {
  const ref = await workspace.git(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"], {
    okCodes: [0, 1, 128],
  });
  const branch = ref.code === 0 ? ref.stdout.trim() : "";
  if (branch !== "") {
    const shown = await workspace.git(["show", `${branch}:${path}`], { okCodes: [0, 128] });
    if (shown.code === 0) return { text: shown.stdout, source: `${branch}:${path}` };
  }
  try {
    return { text: await readFile(join(workspace.root, path), "utf8"), source: path };
  } catch {
    return undefined;
  }
}
