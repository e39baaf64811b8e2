/**
 * A task must not put a secret the process holds into the repository: a file named after a token,
 * or holding it (as is, or base64, hex or URL-encoded), would publish it with the push. Checked on
 * the files a task changed, before its commit; the refusal names the files, never the secret.
 */
import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import { PolicyError } from "../errors.js";
import { holdsKnownSecret, knownSecrets } from "../redact.js";

/** Files larger than this are not read for the check (the apply-time size caps refuse them). */
const MAX_SCANNED_BYTES = 16 * 1024 * 1024;

/** Throws PolicyError when a changed path's name or content holds a secret the process knows. */
export async function refuseKnownSecrets(
  root: string,
  taskId: string,
  paths: readonly string[],
): Promise<void> {
  if (paths.length === 0 || knownSecrets().length === 0) return;
  const named: string[] = [];
  const holding: string[] = [];
  for (const path of paths) {
    if (holdsKnownSecret(path)) {
      named.push(path);
      continue;
    }
    const full = join(root, path);
    const info = await lstat(full).catch(() => undefined);
    if (!info || info.size > MAX_SCANNED_BYTES) continue;
    if (info.isFile() && holdsKnownSecret((await readFile(full)).toString("utf8"))) holding.push(path);
  }
  if (named.length === 0 && holding.length === 0) return;
  const parts = [
    ...(named.length > 0 ? [`in the name of ${named.length} file(s)`] : []),
    ...(holding.length > 0 ? [`in ${holding.slice(0, 10).join(", ")}`] : []),
  ];
  throw new PolicyError(
    `task ${taskId} would commit a secret value this process holds (${parts.join("; ")}); nothing was committed`,
  );
}
