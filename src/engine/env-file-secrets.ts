/**
 * A repository's `.env` files hold passwords and keys that a test or verify command may print; no
 * task may read or write them (the built-in deny list), but their values must still never reach a
 * check run. So before a run the values assigned in the `.env*` files at the top of the working
 * tree are registered with the redactor as secrets the process holds.
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { registerEnvFileSecrets } from "../redact.js";

/** `.env` files larger than this are not read (they are not configuration). */
const MAX_ENV_FILE_BYTES = 256 * 1024;

/** Registers the values of the `.env*` files at `root` with the redactor. */
export async function registerEnvFiles(root: string): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names) {
    if (!/^\.env/i.test(name)) continue;
    const full = join(root, name);
    const info = await lstat(full).catch(() => undefined);
    if (!info?.isFile() || info.size > MAX_ENV_FILE_BYTES) continue;
    registerEnvFileSecrets(await readFile(full, "utf8"));
  }
}
