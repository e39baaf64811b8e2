/**
 * System packages some tests need (installed by .ci/run from Debian's packages). A test that needs
 * one and does not find it fails in CI, and elsewhere is skipped with a line saying what is missing:
 * never a silent pass.
 */
import { existsSync } from "node:fs";

/** bubblewrap's path, or undefined. */
export const BWRAP = ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"].find((p) => existsSync(p));

/**
 * Whether tests needing `tool` can run: in CI a missing tool throws (the suite fails loudly);
 * elsewhere it prints why those tests are skipped and returns false.
 */
export function requireTool(tool: string, present: boolean, install: string): boolean {
  if (present) return true;
  const message = `${tool} is not installed: the tests that need it cannot run (${install})`;
  if (process.env.CI) throw new Error(message);
  console.warn(`SKIPPED: ${message}`);
  return false;
}
