/**
 * The size caps of one task commit, apart from the apply-time check itself so that the CLI can
 * print them in its help without loading the check (and the git and policy code behind it).
 */

/** Size limits of one task commit, measured against its parent. */
export interface ApplyCaps {
  /** Most files one commit may add, change or delete. */
  maxFiles: number;
  /** Most bytes of new content (added and changed files) in one commit. */
  maxCommitBytes: number;
  /** Largest file one commit may add or change. */
  maxFileBytes: number;
}

const MIB = 1024 * 1024;
export const DEFAULT_APPLY_CAPS: Readonly<ApplyCaps> = Object.freeze({
  maxFiles: 200,
  maxCommitBytes: 10 * MIB,
  maxFileBytes: 5 * MIB,
});
