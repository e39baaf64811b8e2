/**
 * Readable names for places in a plan, so messages say `task "totp-service": timeout …` rather than
 * `phases[0].tasks[1].timeout …`. Works on unvalidated data: falls back to the index path whenever an
 * id is missing or malformed.
 */
import { ID_PATTERN } from "./schema.js";
import type { PlanPath } from "./yaml-positions.js";

function idOf(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const id = (value as Record<string, unknown>)["id"];
  return typeof id === "string" && ID_PATTERN.test(id) ? id : undefined;
}

function child(value: unknown, segment: string | number): unknown {
  if (value === null || typeof value !== "object") return undefined;
  return (value as Record<string | number, unknown>)[segment];
}

/** Makes any text safe for a one-line message: quoted, escaped and shortened. */
export function quote(text: string, max = 60): string {
  const short = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(short);
}

/** `edit.files[0]` for `["edit", "files", 0]`. */
export function formatField(path: PlanPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}

/** The task or phase a path lies in, and the rest of the path inside it. */
export function splitSubject(path: PlanPath, data: unknown): { subject?: string; rest: PlanPath } {
  if (path[0] !== "phases" || typeof path[1] !== "number") return { rest: path };
  const phase = child(child(data, "phases"), path[1]);
  if (path[2] === "tasks" && typeof path[3] === "number") {
    const task = child(child(phase, "tasks"), path[3]);
    const id = idOf(task);
    return {
      subject: id ? `task "${id}"` : `task phases[${path[1]}].tasks[${path[3]}]`,
      rest: path.slice(4),
    };
  }
  const id = idOf(phase);
  return { subject: id ? `phase "${id}"` : `phase phases[${path[1]}]`, rest: path.slice(2) };
}

/** The label of the task at `phases[p].tasks[t]`. */
export function taskLabel(data: unknown, phaseIndex: number, taskIndex: number): string {
  return splitSubject(["phases", phaseIndex, "tasks", taskIndex], data).subject ?? "task";
}

/**
 * Composes `subject: field what` in the one style every plan message uses, e.g.
 * `task "docs": write.path must not be empty`, `budget.max_usd must be positive`.
 */
export function describe(path: PlanPath, data: unknown, what: string): string {
  const { subject, rest } = splitSubject(path, data);
  const field = formatField(rest);
  const body = field === "" ? what : `${field} ${what}`;
  return subject ? `${subject}: ${body}` : body;
}

/** The closest of `candidates` to `word` (edit distance at most 2, and less than its length). */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= 2 && bestDistance < word.length ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
