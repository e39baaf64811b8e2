/** Parsers for git's machine-readable (`--porcelain`) outputs. */

/**
 * Paths from `git status --porcelain=v1 -z`: every changed, added, deleted or untracked path,
 * including both sides of a rename or copy, sorted and unique.
 */
export function parseStatusPaths(stdout: string): string[] {
  const entries = stdout.split("\0");
  const paths = new Set<string>();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] ?? "";
    if (entry.length < 4) continue;
    paths.add(entry.slice(3));
    // a rename or copy is followed by its source path
    if (entry[0] === "R" || entry[0] === "C") paths.add(entries[++i] ?? "");
  }
  paths.delete("");
  return [...paths].sort();
}

/** The reason a ref was refused in `git push --porcelain` output (`!\tsrc:dst\t[rejected] (…)`). */
export function pushRejectionReason(stdout: string): string | undefined {
  return /^!\t[^\t]*\t(.*)$/m.exec(stdout)?.[1]?.trim() || undefined;
}
