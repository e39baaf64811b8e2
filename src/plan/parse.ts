/**
 * From bytes to plain data: decoding, size limits, YAML syntax with positions, and the guards that
 * keep hostile YAML (alias bombs, deep nesting, tabs that silently change structure) from crashing,
 * hanging or being misread. Never throws: every problem becomes a positioned diagnostic.
 */
import { isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Diagnostic } from "./diagnostics.js";
import type { PlanLimits } from "./limits.js";
import { quote } from "./plan-labels.js";
import { createLocator, NULL_LOCATOR, type Locator, type Position } from "./yaml-positions.js";

/** What {@link parsePlanYaml} found. */
export interface ParsedYaml {
  /** The plan data, present when the YAML could be read well enough to check it against the schema. */
  data?: unknown;
  locator: Locator;
  diagnostics: Diagnostic[];
}

// YAML errors worth reporting at most; a badly broken file repeats the same error many times.
const MAX_YAML_ERRORS = 20;

function error(at: Position, message: string): Diagnostic {
  return { severity: "error", line: at.line, col: at.col, message };
}

function yamlErrorMessage(code: string, message: string, text: string, offset: number): string {
  switch (code) {
    case "DUPLICATE_KEY": {
      const rest = text.slice(offset, offset + 200);
      const raw = (/^[^:\n,}]*/.exec(rest)?.[0] ?? "").trim().replace(/^["']|["']$/g, "");
      return `duplicate key ${quote(raw)} (a key may appear only once in a mapping)`;
    }
    case "TAB_AS_INDENT":
      return "tab character used for indentation (YAML indents with spaces)";
    case "MULTIPLE_DOCS":
      return 'more than one YAML document (a plan is a single document: remove the "---" separator)';
    case "RESOURCE_EXHAUSTION":
      return "YAML nested too deeply to read";
    default:
      return `YAML syntax error: ${message.split("\n")[0] ?? message}`;
  }
}

/** Lines indented with a tab outside any multi-line scalar: YAML forbids them, and readers disagree. */
function tabIndentDiagnostics(
  text: string,
  scalarRanges: [number, number][],
  locator: Locator,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  scalarRanges.sort((a, b) => a[0] - b[0]);
  let r = 0;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let end = text.indexOf("\n", lineStart);
    if (end === -1) end = text.length;
    let i = lineStart;
    let tab = -1;
    while (i < end && (text[i] === " " || text[i] === "\t")) {
      if (text[i] === "\t" && tab === -1) tab = i;
      i++;
    }
    const blank = i >= end || text[i] === "#" || text[i] === "\r";
    if (tab !== -1 && !blank) {
      while (r < scalarRanges.length && (scalarRanges[r]?.[1] ?? 0) < lineStart) r++;
      let inside = false;
      for (let k = r; k < scalarRanges.length; k++) {
        const range = scalarRanges[k];
        if (!range || range[0] >= lineStart) break;
        if (range[1] >= lineStart) inside = true;
      }
      if (!inside) {
        out.push(error(locator.offset(tab), "tab character used for indentation (YAML indents with spaces)"));
      }
    }
    lineStart = end + 1;
  }
  return out;
}

interface TreeScan {
  /** The first collection found nested deeper than the limit. */
  tooDeep: unknown;
  /** Ranges of scalars spanning several lines (tabs inside them are content, not indentation). */
  multiLineScalars: [number, number][];
  /** Aliases in document order. */
  aliases: { source: string; offset: number }[];
}

/** One pass over the YAML tree, without recursion so hostile nesting cannot overflow the stack. */
function scanTree(root: unknown, text: string, maxDepth: number): TreeScan {
  const scan: TreeScan = { tooDeep: undefined, multiLineScalars: [], aliases: [] };
  const nodes: unknown[] = [root];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop() ?? 1;
    if (isScalar(node)) {
      const range = node.range;
      if (!range) continue;
      const newline = text.indexOf("\n", range[0]);
      if (newline !== -1 && newline < range[1]) scan.multiLineScalars.push([range[0], range[1]]);
    } else if (isAlias(node)) {
      scan.aliases.push({ source: node.source, offset: node.range?.[0] ?? 0 });
    } else if (isCollection(node)) {
      if (depth > maxDepth && scan.tooDeep === undefined) scan.tooDeep = node;
      for (const item of node.items) {
        if (isMap(node)) {
          const pair = item as { key: unknown; value: unknown };
          nodes.push(pair.key, pair.value);
          depths.push(depth + 1, depth + 1);
        } else {
          nodes.push(item);
          depths.push(depth + 1);
        }
      }
    }
  }
  scan.aliases.sort((x, y) => x.offset - y.offset);
  return scan;
}

function describeNode(node: unknown): string {
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return node.value === null ? "nothing" : `the value ${quote(String(node.value))}`;
  return "something else";
}

/** Parses decoded YAML text into plan data with a locator; see {@link ParsedYaml}. */
export function parsePlanYaml(text: string, limits: Required<PlanLimits>): ParsedYaml {
  const lineCounter = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, logLevel: "error" });
  } catch (e) {
    return {
      locator: NULL_LOCATOR,
      diagnostics: [error({ line: 1, col: 1 }, `could not read the YAML: ${quote(String(e), 120)}`)],
    };
  }
  const locator = createLocator(doc, lineCounter, text);
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  let fatal = false;
  // A tab in the indentation derails the parser for the rest of its line; the errors that follow
  // there (implicit keys, duplicates) are consequences, so only the tab is reported.
  const yamlLines = new Set<number>();
  for (const e of doc.errors) {
    if (e.code === "TAB_AS_INDENT") yamlLines.add(locator.offset(e.pos[0]).line);
  }
  for (const e of doc.errors) {
    const at = locator.offset(e.pos[0]);
    const message = yamlErrorMessage(e.code, e.message, text, e.pos[0]);
    if (e.code !== "DUPLICATE_KEY") fatal = true;
    if (e.code !== "TAB_AS_INDENT" && yamlLines.has(at.line)) continue;
    const key = `${at.line}:${at.col}:${message}`;
    if (seen.has(key) || seen.size >= MAX_YAML_ERRORS) continue;
    seen.add(key);
    diagnostics.push(error(at, message));
  }
  for (const w of doc.warnings) {
    const at = locator.offset(w.pos[0]);
    diagnostics.push({ severity: "warning", ...at, message: `YAML: ${w.message.split("\n")[0] ?? ""}` });
  }
  const { tooDeep, multiLineScalars, aliases } = scanTree(doc.contents, text, limits.maxDepth);
  for (const d of tabIndentDiagnostics(text, multiLineScalars, locator)) {
    if (!yamlLines.has(d.line)) {
      diagnostics.push(d);
      fatal = true;
    }
  }
  if (fatal) return { locator, diagnostics };

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    diagnostics.push(
      error(
        doc.contents?.range ? locator.offset(doc.contents.range[0]) : { line: 1, col: 1 },
        "the file is empty: a plan is a YAML mapping with version, id, title, request and phases",
      ),
    );
    return { locator, diagnostics };
  }
  if (!isMap(doc.contents) && !(isAlias(doc.contents) && isMap(doc.contents.resolve(doc)))) {
    diagnostics.push(
      error(
        locator.value([]),
        `expected a mapping (key: value lines) at the top level, found ${describeNode(doc.contents)}`,
      ),
    );
    return { locator, diagnostics };
  }
  if (tooDeep !== undefined) {
    const range = (tooDeep as { range?: [number, number, number] }).range;
    diagnostics.push(
      error(
        range ? locator.offset(range[0]) : { line: 1, col: 1 },
        `nested deeper than ${limits.maxDepth} levels`,
      ),
    );
    return { locator, diagnostics };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/alias count|alias resolution is disabled/i.test(message)) {
      const first = aliases[0];
      diagnostics.push(
        error(
          first ? locator.offset(first.offset) : { line: 1, col: 1 },
          `too many YAML alias expansions (over the limit of ${limits.maxAliasCount}): nested anchors and aliases ("billion laughs") are refused`,
        ),
      );
    } else if (/unresolved alias/i.test(message)) {
      const name = message.split(": ").pop() ?? "";
      const alias = aliases.find((a) => a.source === name) ?? aliases[0];
      diagnostics.push(
        error(
          alias ? locator.offset(alias.offset) : { line: 1, col: 1 },
          `unknown alias ${quote(`*${name}`)} (the anchor must be defined before it is used)`,
        ),
      );
    } else {
      diagnostics.push(error({ line: 1, col: 1 }, `could not read the YAML: ${quote(message, 120)}`));
    }
    return { locator, diagnostics };
  }
  return { data, locator, diagnostics };
}
