/**
 * A cheap lower bound on a plan's task count, read line by line before the YAML is parsed, so that
 * a plan far over the task limit is refused in milliseconds instead of after a parse that costs
 * seconds and hundreds of MiB.
 *
 * It counts only what block-style YAML makes certain: a `- ` entry counts when the innermost
 * entry enclosing it, by indentation, is a `tasks:` key with no inline value, inside an entry of
 * the top-level `phases:` key. Every line inside a value (block scalar, multi-line quoted or plain
 * scalar, flow collection) is indented deeper than that value's key, so it nests under that key
 * and never counts. Whatever the scanner does not follow (flow-style `tasks: [...]`, quoted keys,
 * a key with a value on its line) it leaves uncounted: the bound can be low, never high, and the
 * full load still checks the exact count.
 */

/** Where the scanner found the task entries. */
export interface TaskCount {
  /** Task entries certainly in the plan (a lower bound of its task count). */
  count: number;
  /** 1-based line and column of the entry number `at` when asked for one and there are that many. */
  position?: { line: number; col: number };
}

interface Entry {
  col: number;
  kind: "key" | "item";
  /** For keys: the key; for items: "-". */
  name: string;
  /** A key whose line ends after the colon (a nested collection may follow). */
  open: boolean;
  parent: Entry | undefined;
  /** An item of the top-level `phases` sequence. */
  phase?: boolean;
}

const KEY = /^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]|$)/;
/** What may follow a key's colon and still leave it open: nothing, an anchor, a tag, a comment. */
const OPEN_VALUE = /^(?:(?:&[^\s]+|![^\s]*)[ \t]*)*(?:#.*)?$/;

/**
 * Counts task entries; with `at`, also returns the position of entry number `at` (1-based), e.g.
 * the first entry over a limit. With `stopAt`, stops counting there (the count is then "at least").
 */
export function countTaskEntries(text: string, at?: number, stopAt = Infinity): TaskCount {
  let count = 0;
  let position: TaskCount["position"];
  const stack: Entry[] = [];
  let lineNo = 0;
  let start = 0;
  while (start <= text.length && count < stopAt) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    lineNo++;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    let col = 0;
    while (col < line.length && line.charCodeAt(col) === 32) col++;
    if (col === line.length || line[col] === "#") continue;
    if (col === 0 && (line.startsWith("---") || line.startsWith("..."))) {
      if (lineNo > 1 || line.startsWith("...")) break; // a later document is not the plan
      continue;
    }
    let rest = line.slice(col);
    let sawEntry = false;
    while (rest === "-" || rest.startsWith("- ")) {
      const parent = popTo(stack, col, "item");
      const item: Entry = { col, kind: "item", name: "-", open: true, parent };
      if (parent?.kind === "key" && parent.open) {
        if (parent.name === "phases" && parent.col === 0 && !parent.parent) item.phase = true;
        if (parent.name === "tasks" && parent.parent?.phase) {
          count++;
          if (count === at) position = { line: lineNo, col: col + 1 };
        }
      }
      stack.push(item);
      sawEntry = true;
      let skip = 1;
      while (skip < rest.length && rest[skip] === " ") skip++;
      col += skip;
      rest = rest.slice(skip);
    }
    const key = KEY.exec(rest);
    if (key) {
      const parent = popTo(stack, col, "key");
      const value = rest.slice(key[0].length).trim();
      stack.push({ col, kind: "key", name: key[1] ?? "", open: OPEN_VALUE.test(value), parent });
    } else if (!sawEntry && rest.length > 0) {
      // a value line (continuation, flow collection, quoted key): the key it belongs to now has a
      // value, so no entry below it counts
      const owner = popTo(stack, col, "other");
      if (owner?.kind === "key" && owner.col <= col) owner.open = false;
    }
  }
  return position ? { count, position } : { count };
}

/**
 * Closes the entries that a line at `col` ends and returns the one enclosing it: deeper entries
 * always end; at the same column an item ends a sibling item, a key ends sibling keys and items
 * (a compact sequence at its key's column), and an item stays inside an open key of that column
 * (`tasks:` followed by `- id: …` at the same indentation).
 */
function popTo(stack: Entry[], col: number, kind: "key" | "item" | "other"): Entry | undefined {
  for (;;) {
    const top = stack.at(-1);
    if (!top) return undefined;
    if (top.col > col) {
      stack.pop();
      continue;
    }
    if (top.col < col) return top;
    if (kind === "item" && top.kind === "key" && top.open) return top;
    if (kind === "other") return top;
    stack.pop();
  }
}
