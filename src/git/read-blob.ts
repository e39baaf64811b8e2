/** A blob's text by its sha, from the repository's objects (earlier versions of a plan file). */
import type { GitWorkspace } from "./git-workspace.js";

/** The text of blob `sha`, or undefined when the repository does not have it. */
export async function readBlobText(workspace: GitWorkspace, sha: string): Promise<string | undefined> {
  if (!/^[0-9a-f]{7,64}$/.test(sha)) return undefined;
  const result = await workspace.git(["cat-file", "blob", sha], { okCodes: [0, 128] });
  return result.code === 0 ? result.stdout : undefined;
}
