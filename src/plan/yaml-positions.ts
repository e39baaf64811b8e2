/**
 * Maps a path in the parsed plan (`["phases", 0, "tasks", 1, "needs", 0]`) back to a line and column
 * in the YAML source, so every problem points at the offending key or value rather than the top of
 * the file. Lookups walk the YAML tree one step per path segment (maps are small, lists are indexed
 * directly), so a lookup costs O(depth), not O(plan size).
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from "yaml";

/** A 1-based position in the source. */
export interface Position {
  line: number;
  col: number;
}

/** A path into the plan data: object keys and list indexes. */
export type PlanPath = readonly (string | number)[];

/** Finds where parts of the plan are in the source. Every method returns a position, never throws. */
export interface Locator {
  /** The value at `path` (or, when it does not exist, the nearest ancestor that does). */
  value(path: PlanPath): Position;
  /** The key naming the value at `path`; for a list item, the item itself. */
  key(path: PlanPath): Position;
  /**
   * Where to report a key missing from the mapping at `parentPath`: the key that names that mapping,
   * or its first key when it is a list item or the top level.
   */
  missing(parentPath: PlanPath): Position;
  /** The position of a character offset in the source. */
  offset(offset: number): Position;
}

const START: Position = { line: 1, col: 1 };

/** A locator for sources without a usable YAML tree: everything is at 1:1. */
export const NULL_LOCATOR: Locator = {
  value: () => START,
  key: () => START,
  missing: () => START,
  offset: () => START,
};

interface RangedNode {
  range?: readonly [number, number, number] | null;
}

interface Step {
  /** The value node reached (undefined when the path runs out of the tree). */
  node: unknown;
  /** The key node of the last map step, or the item for a list step. */
  keyNode: unknown;
  /** How many path segments were resolved. */
  depth: number;
  /** The deepest node found, for fallbacks. */
  deepest: unknown;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/**
 * Builds a locator over a parsed document; offsets are those of the text given to the parser, which
 * may be passed as `text` to place empty list items (`-` alone on a line) at their dash.
 */
export function createLocator(doc: Document, lineCounter: LineCounter, text?: string): Locator {
  const pos = (offset: number): Position => {
    const p = lineCounter.linePos(Math.max(0, offset));
    return { line: Math.max(1, p.line), col: Math.max(1, p.col) };
  };
  const posOf = (node: unknown): Position | undefined => {
    const range = (node as RangedNode | null | undefined)?.range;
    return range ? pos(range[0]) : undefined;
  };

  const walk = (path: PlanPath): Step => {
    let node: unknown = doc.contents;
    let keyNode: unknown = undefined;
    let deepest: unknown = node;
    let depth = 0;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const wanted = String(segment);
        const pair = node.items.find((p) => keyText(p.key) === wanted);
        if (!pair) break;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment];
        if (item === undefined) break;
        keyNode = item;
        node = item;
      } else {
        break;
      }
      depth++;
      if (node !== null && node !== undefined) deepest = node;
      else if (keyNode) deepest = keyNode;
    }
    if (depth < path.length) return { node: undefined, keyNode: undefined, depth, deepest };
    return { node, keyNode, depth, deepest };
  };

  // An implicit null (`title:` with nothing after it) has an empty range just after the colon;
  // the key is the more useful place to point at.
  const isImplicitNull = (node: unknown): boolean =>
    isScalar(node) && node.value === null && (node.source === "" || node.source === undefined);

  // An empty list item's range starts after its dash; the dash is what a reader looks for.
  const dashBefore = (node: unknown): Position | undefined => {
    const start = (node as RangedNode).range?.[0];
    if (text === undefined || start === undefined) return undefined;
    let i = start - 1;
    while (i >= 0 && (text[i] === " " || text[i] === "\t")) i--;
    return text[i] === "-" ? pos(i) : undefined;
  };

  return {
    offset: pos,
    value(path) {
      const step = walk(path);
      if (step.depth === path.length) {
        if (step.node && !isImplicitNull(step.node)) return posOf(step.node) ?? posOf(step.keyNode) ?? START;
        if (step.node && step.node === step.keyNode)
          return dashBefore(step.node) ?? posOf(step.node) ?? START;
        return posOf(step.keyNode) ?? posOf(step.node) ?? START;
      }
      return posOf(step.deepest) ?? START;
    },
    key(path) {
      const step = walk(path);
      if (step.depth === path.length) return posOf(step.keyNode) ?? posOf(step.node) ?? START;
      return posOf(step.deepest) ?? START;
    },
    missing(parentPath) {
      const step = walk(parentPath);
      if (step.depth < parentPath.length) return posOf(step.deepest) ?? START;
      let node = step.node;
      if (isAlias(node)) node = node.resolve(doc);
      if (isScalar(step.keyNode)) return posOf(step.keyNode) ?? START;
      if (isMap(node) && node.items[0]) return posOf(node.items[0].key) ?? posOf(node) ?? START;
      return posOf(node) ?? posOf(step.keyNode) ?? START;
    },
  };
}
