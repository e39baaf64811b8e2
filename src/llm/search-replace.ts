/**
 * SEARCH/REPLACE edits, applied robustly. Models produce blocks in the aider-like format
 *
 *     path/to/file.ts
 *     <<<<<<< SEARCH
 *     old lines
 *     =======
 *     new lines
 *     >>>>>>> REPLACE
 *
 * or as structured `{ search, replace }` pairs. Matching is tried from strict to tolerant: exact
 * lines, the same lines under a uniform indentation offset (the replacement is re-indented), exact
 * text within lines, then without leading/trailing blank lines. Never fuzzier than that: a missing or
 * ambiguous block fails with the closest lines of the file, so the model can correct itself.
 */

/** One edit: replace `search` with `replace`. */
export interface EditBlock {
  search: string;
  replace: string;
  /** The file named before the block, when parsed from text. */
  path?: string;
}

/** Why one block did not apply. */
export interface EditFailure {
  /** 1-based block number, as shown to the model. */
  block: number;
  reason: "missing" | "ambiguous";
  /** The closest lines in the file, for a missing block. */
  didYouMean?: string;
  /** Whether the replacement is already in the file (the block was probably applied before). */
  alreadyApplied: boolean;
}

/** The outcome of applyEdits: all blocks applied, or which failed and why. */
export type ApplyResult =
  | { ok: true; content: string; applied: number[] }
  /** `content` holds the blocks that did apply, for callers that want partial progress. */
  | { ok: false; failures: EditFailure[]; applied: number[]; content: string };

const SEARCH_MARK = /^\s*<{5,9}\s*SEARCH\s*$/;
const DIVIDER_MARK = /^\s*={5,9}\s*$/;
const REPLACE_MARK = /^\s*>{5,9}\s*REPLACE\s*$/;
const FENCE = /^\s*(```|~~~)/;

/** A line that names a file: one token, maybe in backticks or bold, maybe with a trailing colon. */
function pathOf(line: string): string | undefined {
  const token = line
    .trim()
    .replace(/^(?:#+\s*)?[`*]*|[`*]*:?[`*]*$/g, "")
    .trim();
  if (!token || /\s/.test(token) || !/^[\w.@/+-]+$/.test(token)) return undefined;
  // A path has a folder or an extension, or is a well-known extensionless file name.
  return /[/.]/.test(token) ||
    /^(?:Makefile|Dockerfile|Gemfile|Rakefile|Procfile|LICENSE|README)$/.test(token)
    ? token
    : undefined;
}

/** Parses SEARCH/REPLACE blocks out of model text; malformed blocks are reported, not guessed. */
export function parseEditBlocks(text: string): { blocks: EditBlock[]; errors: string[] } {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const blocks: EditBlock[] = [];
  const errors: string[] = [];
  let lastPath: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (!SEARCH_MARK.test(line)) continue;
    // The file name is the line just before the block (or before its opening fence); a block
    // without one belongs to the previous block's file, as in aider's format.
    let before = i - 1;
    if (before >= 0 && FENCE.test(lines[before] ?? "")) before--;
    const named = pathOf(lines[before] ?? "");
    if (named !== undefined) lastPath = named;
    const start = i + 1;
    let divider = -1;
    let end = -1;
    for (let j = start; j < lines.length; j++) {
      const candidate = lines[j] ?? "";
      if (divider < 0 && DIVIDER_MARK.test(candidate)) divider = j;
      else if (divider >= 0 && REPLACE_MARK.test(candidate)) {
        end = j;
        break;
      } else if (SEARCH_MARK.test(candidate)) break;
    }
    const number = blocks.length + errors.length + 1;
    if (divider < 0 || end < 0) {
      errors.push(
        `block ${number} (line ${i + 1}): ${divider < 0 ? "no ======= divider" : "no >>>>>>> REPLACE line"} after <<<<<<< SEARCH`,
      );
      continue;
    }
    const block: EditBlock = {
      search: lines.slice(start, divider).join("\n"),
      replace: lines.slice(divider + 1, end).join("\n"),
    };
    if (lastPath !== undefined) block.path = lastPath;
    blocks.push(block);
    i = end;
  }
  return { blocks, errors };
}

const isBlank = (line: string) => line.trim() === "";
const indentOf = (line: string) => /^[ \t]*/.exec(line)?.[0] ?? "";

/** Text without one trailing newline, as lines. */
function toLines(text: string): string[] {
  return (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
}

interface LineMatch {
  at: number;
  replacement: string[];
}

/** Windows of `content` equal to `search` line by line. */
function exactMatches(content: string[], search: string[], replace: string[]): LineMatch[] {
  const out: LineMatch[] = [];
  for (let i = 0; i + search.length <= content.length; i++) {
    if (search.every((line, k) => content[i + k] === line)) out.push({ at: i, replacement: replace });
  }
  return out;
}

/** Windows equal to `search` under one indentation offset (trailing whitespace ignored); the replacement is re-indented. */
function indentedMatches(content: string[], search: string[], replace: string[]): LineMatch[] {
  const out: LineMatch[] = [];
  const firstIndex = search.findIndex((line) => !isBlank(line));
  if (firstIndex < 0) return out;
  const first = search[firstIndex] ?? "";
  for (let i = 0; i + search.length <= content.length; i++) {
    const anchor = content[i + firstIndex] ?? "";
    if (anchor.trim() !== first.trim()) continue;
    const ci = indentOf(anchor);
    const si = indentOf(first);
    let delta: string;
    let deeper: boolean;
    if (ci.length >= si.length && ci.endsWith(si))
      [delta, deeper] = [ci.slice(0, ci.length - si.length), true];
    else if (si.endsWith(ci)) [delta, deeper] = [si.slice(0, si.length - ci.length), false];
    else continue;
    const fits = search.every((line, k) => {
      const c = content[i + k] ?? "";
      if (isBlank(line) || isBlank(c)) return isBlank(line) && isBlank(c);
      return deeper ? c.trimEnd() === delta + line.trimEnd() : delta + c.trimEnd() === line.trimEnd();
    });
    if (!fits) continue;
    const replacement = replace.map((line) => {
      if (isBlank(line)) return "";
      if (deeper) return delta + line;
      return line.startsWith(delta) ? line.slice(delta.length) : line.trimStart();
    });
    out.push({ at: i, replacement });
  }
  return out;
}

function trimBlankEdges(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && isBlank(lines[start] ?? "")) start++;
  while (end > start && isBlank(lines[end - 1] ?? "")) end--;
  return lines.slice(start, end);
}

/** A trimmed line's character bigrams as sorted integer codes (cheap to intersect). */
function bigramsOf(line: string): Int32Array {
  const text = line.trim();
  const codes = new Int32Array(Math.max(0, text.length - 1));
  for (let i = 0; i < codes.length; i++) codes[i] = text.charCodeAt(i) * 65536 + text.charCodeAt(i + 1);
  return codes.sort();
}

/** Dice similarity of two bigram multisets, 0..1 (two identical lines of under two characters count as 1). */
function dice(a: Int32Array, b: Int32Array, same: boolean): number {
  if (same) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  let shared = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i]! === b[j]!) [shared, i, j] = [shared + 1, i + 1, j + 1];
    else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return (2 * shared) / (a.length + b.length);
}

/** The window of `content` most like `search` (average line similarity), if any is reasonably close. */
function closestLines(content: string[], search: string[]): string | undefined {
  const wanted = trimBlankEdges(search);
  if (wanted.length === 0 || content.length === 0) return undefined;
  const size = Math.min(wanted.length, content.length);
  const cache = new Map<string, Int32Array>();
  const grams = (line: string) => {
    const key = line.trim();
    let codes = cache.get(key);
    if (!codes) cache.set(key, (codes = bigramsOf(key)));
    return codes;
  };
  const contentGrams = content.map(grams);
  const wantedGrams = wanted.map(grams);
  const wantedTrimmed = wanted.map((line) => line.trim());
  let best = -1;
  let bestScore = 0;
  for (let i = 0; i + size <= content.length; i++) {
    let score = 0;
    for (let k = 0; k < size; k++) {
      score += dice(
        contentGrams[i + k]!,
        wantedGrams[k]!,
        (content[i + k] ?? "").trim() === wantedTrimmed[k],
      );
    }
    score /= wanted.length;
    if (score > bestScore) [best, bestScore] = [i, score];
  }
  return best >= 0 && bestScore >= 0.4 ? content.slice(best, best + size).join("\n") : undefined;
}

const WORD = /[\p{L}\p{N}_$]/u;

/**
 * Where `needle` occurs in `haystack` on token boundaries: a match that starts (or ends) with a word
 * character must not continue a word there, so `count = 1` never matches inside `discount = 10`.
 */
function boundedOccurrences(haystack: string, needle: string): number[] {
  const out: number[] = [];
  if (needle === "") return out;
  const startsWord = WORD.test(needle[0] ?? "");
  const endsWord = WORD.test(needle.at(-1) ?? "");
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const before = at > 0 ? (haystack.slice(0, at).at(-1) ?? "") : "";
    const after = haystack[at + needle.length] ?? "";
    if (startsWord && before !== "" && WORD.test(before)) continue;
    if (endsWord && after !== "" && WORD.test(after)) continue;
    if (out.length > 0 && at < (out.at(-1) ?? 0) + needle.length) continue;
    out.push(at);
  }
  return out;
}

function isAlreadyApplied(content: string, block: EditBlock): boolean {
  const replace = trimBlankEdges(toLines(block.replace));
  if (replace.length === 0) return false;
  const lines = content.split("\n");
  return exactMatches(lines, replace, []).length > 0 || indentedMatches(lines, replace, []).length > 0;
}

type Outcome = { content: string } | { failure: "missing" | "ambiguous" };

function applyOne(content: string, block: EditBlock): Outcome {
  const search = toLines(block.search);
  const replace = block.replace === "" ? [] : toLines(block.replace);
  if (trimBlankEdges(search).length === 0) {
    // An empty SEARCH creates a new (empty) file; on a file with content it could go anywhere.
    return content.trim() === "" ? { content: block.replace } : { failure: "ambiguous" };
  }
  const lines = content.split("\n");
  const splice = (match: LineMatch, length: number) =>
    [...lines.slice(0, match.at), ...match.replacement, ...lines.slice(match.at + length)].join("\n");

  const exact = exactMatches(lines, search, replace);
  if (exact.length > 1) return { failure: "ambiguous" };
  if (exact.length === 1) return { content: splice(exact[0]!, search.length) };

  // Whole lines under an indentation offset come before a bare substring: "a0" searched in "  a0"
  // means that line, not the two characters (which would leave a blank line behind).
  const indented = indentedMatches(lines, search, replace);
  if (indented.length > 1) return { failure: "ambiguous" };
  if (indented.length === 1) return { content: splice(indented[0]!, search.length) };

  const occurrences = boundedOccurrences(content, block.search);
  if (occurrences.length > 1) return { failure: "ambiguous" };
  const [at] = occurrences;
  if (at !== undefined) {
    return { content: content.slice(0, at) + block.replace + content.slice(at + block.search.length) };
  }

  const trimmedSearch = trimBlankEdges(search);
  if (trimmedSearch.length !== search.length) {
    const trimmedReplace = trimBlankEdges(replace);
    for (const find of [exactMatches, indentedMatches]) {
      const matches = find(lines, trimmedSearch, trimmedReplace);
      if (matches.length > 1) return { failure: "ambiguous" };
      if (matches.length === 1) return { content: splice(matches[0]!, trimmedSearch.length) };
    }
  }
  return { failure: "missing" };
}

/** The ending after each `\n`-separated segment of `content` ("" after the last). */
function lineEndings(content: string): string[] {
  const out: string[] = [];
  for (const m of content.matchAll(/\r?\n/g)) out.push(m[0]);
  out.push("");
  return out;
}

/**
 * The line endings of `after` (LF text) given those of `before`: lines kept at the start and the
 * end keep theirs; new lines take the ending of the first line they replace (else the one before).
 */
function endingsAfter(before: string, after: string, eols: readonly string[]): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  )
    suffix++;
  const fill = eols[prefix] || eols[prefix - 1] || eols.find((e) => e !== "") || "\n";
  const middle = b.length - prefix - suffix;
  const out = [
    ...eols.slice(0, prefix),
    ...Array<string>(middle).fill(fill),
    ...eols.slice(a.length - suffix),
  ];
  // the last segment has no ending; every other one has one
  for (let i = 0; i < out.length - 1; i++) if (out[i] === "") out[i] = fill;
  out[out.length - 1] = "";
  return out;
}

function withEndings(text: string, eols: readonly string[]): string {
  return text
    .split("\n")
    .map((line, i) => line + (eols[i] ?? ""))
    .join("");
}

/**
 * Applies blocks in order (each sees the result of the previous ones). All must apply for `ok`;
 * failures say why, where the closest lines are and whether the change is already there.
 */
export function applyEdits(content: string, blocks: readonly EditBlock[]): ApplyResult {
  // blocks are matched on LF text; each line keeps its own ending (a mixed file stays mixed)
  let eols = lineEndings(content);
  let current = content.replace(/\r\n/g, "\n");
  const applied: number[] = [];
  const failures: EditFailure[] = [];
  blocks.forEach((raw, index) => {
    const block = { search: raw.search.replace(/\r\n/g, "\n"), replace: raw.replace.replace(/\r\n/g, "\n") };
    const outcome = applyOne(current, block);
    if ("content" in outcome) {
      eols = endingsAfter(current, outcome.content, eols);
      current = outcome.content;
      applied.push(index + 1);
      return;
    }
    const failure: EditFailure = {
      block: index + 1,
      reason: outcome.failure,
      alreadyApplied: isAlreadyApplied(current, block),
    };
    if (outcome.failure === "missing") {
      const near = closestLines(current.split("\n"), toLines(block.search));
      if (near !== undefined) failure.didYouMean = near;
    }
    failures.push(failure);
  });
  const out = withEndings(current, eols);
  return failures.length === 0
    ? { ok: true, content: out, applied }
    : { ok: false, failures, applied, content: out };
}

/** A message for the model explaining failed blocks, so it can send corrected ones. */
export function formatEditFailures(failures: readonly EditFailure[], path?: string): string {
  return failures
    .map((f) => {
      const where = path ? ` in ${path}` : "";
      const head =
        f.reason === "ambiguous"
          ? `Block ${f.block}: the SEARCH text matches more than one place${where}; include more surrounding lines.`
          : `Block ${f.block}: the SEARCH text was not found${where}.`;
      const done = f.alreadyApplied
        ? " Its REPLACE text is already present: the change may already be made."
        : "";
      const hint = f.didYouMean ? `\nDid you mean these lines?\n${f.didYouMean}` : "";
      return head + done + hint;
    })
    .join("\n\n");
}
