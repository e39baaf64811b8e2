/**
 * Failure annotations for a task check run: the files (and lines) a verification log names, so a
 * failing test or compiler error shows on the PR's files.
 */
import type { CheckAnnotation } from "./gateway.js";

/** Files named in a verification log (`src/a.ts:12:5`, `src/a.ts(12,5)`), as failure annotations. */
export function annotationsFromOutput(output: string, max = 50): CheckAnnotation[] {
  const found = new Map<string, CheckAnnotation>();
  const pattern =
    /(?:^|[\s'"(])((?:[\w@.-]+\/)*[\w@.-]+\.[A-Za-z0-9]{1,8})(?::(\d+)(?::\d+)?|\((\d+),\d+\))/gm;
  for (const m of output.matchAll(pattern)) {
    const path = (m[1] ?? "").replace(/^\.\//, "");
    const lineNo = Number(m[2] ?? m[3]);
    if (!path || path.startsWith("node_modules/") || path.includes("..") || !(lineNo > 0)) continue;
    const key = `${path}:${lineNo}`;
    if (found.has(key)) continue;
    const text = output.slice(m.index ?? 0).split("\n")[0] ?? "";
    found.set(key, {
      path,
      startLine: lineNo,
      endLine: lineNo,
      level: "failure",
      message: text.trim().slice(0, 500),
    });
    if (found.size >= max) break;
  }
  return [...found.values()];
}
