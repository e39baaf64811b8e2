/** Compiler-style problems: `FILE:LINE:COL: error: MESSAGE`, pointing at the offending node. */

export type Severity = "error" | "warning";

export interface Diagnostic {
  severity: Severity;
  message: string;
  /** 1-based line of the offending node. */
  line: number;
  /** 1-based column of the offending node. */
  col: number;
  /** Path of the node in the plan (e.g. `["phases", 0, "tasks", 1, "needs", 0]`), when known. */
  path?: (string | number)[];
}

/** Formats one diagnostic the way compilers do, so editors and CI annotate the right line. */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
}

/** Sorts by position, then errors before warnings, so output reads top to bottom. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      a.line - b.line || a.col - b.col || (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1),
  );
}

export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === "error");
}
