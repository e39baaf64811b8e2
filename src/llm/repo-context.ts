/**
 * What the planner (and the coding agent's repository map) sees of a repository, within a token
 * budget. The approach, in order of priority:
 *
 * 1. The file tree, trimmed for large repositories by folding deep folders into `dir/ (N files)`
 *    lines at the deepest level that still fits its share of the budget.
 * 2. The README (head only), manifests (package.json, pyproject.toml, go.mod, Cargo.toml, …) and CI
 *    configuration, which say how the project is built and tested.
 * 3. The files most relevant to the request, ranked by a score of path matches (a keyword equal
 *    to a file or folder name scores more than a keyword inside one) plus keyword hits in the
 *    content (log-scaled so one long file cannot win on size alone), with a small bonus for entry
 *    points and a small discount for tests. Files are added best first until the budget is spent;
 *    a file too long for what is left is cut with a marker.
 *
 * Tokens are estimated at four characters each, which is what the tokenizer averages on code.
 */

import { isReadable } from "../plan/policy.js";
import { redact } from "../redact.js";
import { sanitizeUntrusted, stripInvisible } from "./sanitize.js";

/** The repository as the planner reads it: a local checkout or a GitHub tree behind the same interface. */
export interface RepoReader {
  /** Every file path (POSIX, repository-relative) worth considering. */
  listFiles(): Promise<string[]>;
  /** A file's text (at most `maxBytes`), or undefined when missing or binary. */
  readFile(path: string, maxBytes?: number): Promise<string | undefined>;
}

export interface RepoContextOptions {
  /** Tokens the whole context may take. Default 24,000. */
  tokenBudget?: number;
  /** Files whose content is scored for keywords (the best by path first). Default 300. */
  maxScoredFiles?: number;
  /**
   * Globs of files the model never sees (the configuration's deny list); the built-in deny list
   * (keys, `.env*`, credentials) always applies on top.
   */
  deny?: readonly string[];
}

export interface RepoContext {
  /** The context as text for the prompt. */
  text: string;
  /** Paths whose content is included, in order. */
  files: string[];
  /** Estimated tokens of `text`. */
  tokens: number;
  /** Files in the repository (before trimming the tree). */
  totalFiles: number;
}

/** Rough token count: four characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const MANIFESTS = new Set([
  "package.json",
  "tsconfig.json",
  "pyproject.toml",
  "setup.py",
  "requirements.txt",
  "go.mod",
  "cargo.toml",
  "gemfile",
  "pom.xml",
  "build.gradle",
  "build.gradle.kts",
  "composer.json",
  "makefile",
  "dockerfile",
]);
const LOCKFILES = /(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|cargo\.lock|go\.sum)$/i;
const BINARY_EXT =
  /\.(png|jpe?g|gif|ico|webp|pdf|zip|gz|tgz|jar|woff2?|ttf|eot|mp[34]|mov|so|dylib|dll|exe|wasm|lock)$/i;
const STOPWORDS = new Set(
  "the a an and or of to in on for with from into by is are be as at it this that add make use new support please should can we our my let via when then also".split(
    " ",
  ),
);
/** A few expansions for common request words; they widen recall without replacing the words. */
const RELATED: Record<string, string[]> = {
  "2fa": ["totp", "otp", "mfa", "auth", "login"],
  mfa: ["totp", "otp", "auth", "login"],
  auth: ["login", "session", "password", "user"],
  authentication: ["auth", "login", "session", "password"],
  login: ["auth", "session", "password"],
  db: ["database", "migration", "schema"],
  database: ["db", "migration", "schema", "model"],
  api: ["route", "routes", "handler", "controller", "server"],
  test: ["spec"],
  tests: ["test", "spec"],
};

/** Keywords of a request: lowercase words and camelCase parts, stopwords out, related words added. */
export function keywordsOf(request: string): string[] {
  const words = request
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => (w.length >= 3 || /\d/.test(w)) && !STOPWORDS.has(w));
  const out = new Set(words);
  for (const word of words) for (const extra of RELATED[word] ?? []) out.add(extra);
  return [...out];
}

/** Path score: a keyword equal to a path segment (without extension) scores 3, contained in one 1. */
export function pathScore(path: string, keywords: readonly string[]): number {
  const segments = path
    .toLowerCase()
    .split("/")
    .map((s) => s.replace(/\.[^.]*$/, ""));
  const parts = segments.flatMap((s) => s.split(/[^a-z0-9]+/));
  let score = 0;
  for (const keyword of keywords) {
    if (parts.includes(keyword) || segments.includes(keyword)) score += 3;
    else if (segments.some((s) => s.includes(keyword))) score += 1;
  }
  return score;
}

/** Content score: keyword hits, log-scaled per keyword. */
export function contentScore(text: string, keywords: readonly string[]): number {
  const lower = text.toLowerCase();
  let score = 0;
  for (const keyword of keywords) {
    let hits = 0;
    for (let i = lower.indexOf(keyword); i !== -1 && hits < 1000; i = lower.indexOf(keyword, i + 1)) hits++;
    if (hits > 0) score += Math.log2(1 + hits);
  }
  return score;
}

const isTest = (p: string) => /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[a-z]+$/i.test(p);
const isEntryPoint = (p: string) => /(^|\/)(index|main|app|server|cli)\.[a-z]+$/i.test(p);
const isCi = (p: string) =>
  /^\.github\/workflows\/[^/]+\.ya?ml$/i.test(p) || /^(\.gitlab-ci\.yml|\.circleci\/config\.yml)$/i.test(p);
const isReadme = (p: string) => /^readme(\.[a-z]+)?$/i.test(p);
const isManifest = (p: string) => !p.includes("/") && MANIFESTS.has(p.toLowerCase());

/**
 * The file tree as indented text, folding folders deeper than `depth` into `dir/ (N files)`.
 * Returns undefined when even that does not fit `maxChars`.
 */
function renderTree(files: readonly string[], depth: number): string {
  const lines: string[] = [];
  const folded = new Map<string, number>();
  for (const file of files) {
    const parts = file.split("/");
    if (parts.length - 1 > depth) {
      const dir = parts.slice(0, depth).join("/") + "/";
      if (!folded.has(dir)) lines.push(dir);
      folded.set(dir, (folded.get(dir) ?? 0) + 1);
    } else lines.push(file);
  }
  return lines.map((l) => (folded.has(l) ? `${l} (${folded.get(l)} files)` : l)).join("\n");
}

/** The tree within `maxChars`: the deepest folding that fits, else the first lines with a count. */
export function trimmedTree(files: readonly string[], maxChars: number): string {
  const maxDepth = Math.max(1, ...files.map((f) => f.split("/").length));
  for (let depth = maxDepth; depth >= 1; depth--) {
    const text = renderTree(files, depth);
    if (text.length <= maxChars) return text;
  }
  const lines = renderTree(files, 1).split("\n");
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    if (used + line.length + 1 > maxChars - 40) break;
    kept.push(line);
    used += line.length + 1;
  }
  return `${kept.join("\n")}\n… and ${lines.length - kept.length} more entries`;
}

/** A path as an attribute value: quotes and angle brackets cannot end the attribute or the tag. */
function attribute(path: string): string {
  return stripInvisible(path)
    .replace(/&/g, "&amp;")
    .replace(/"/g, "&quot;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/** Any spelling of a tag that would open or close a file wrapper (or the untrusted-data one). */
const WRAPPER = /<(\s*\/?\s*)(file|untrusted_data)\b/gi;

function neutralize(text: string): string {
  return text.replace(WRAPPER, (_m, slash: string, tag: string) => `‹${slash}${tag}`);
}

/**
 * A file's content as data for the model: sanitised like issue text (markdown fully, other files
 * of invisible characters and secrets), and wrapped in `<file>` tags that no content can close or
 * forge, since every `<file` and `</file` inside it is neutralised.
 */
export function fence(path: string, content: string, truncated: boolean): string {
  const note = truncated ? "\n… (cut to fit the context budget)" : "";
  const clean = /\.(?:md|mdx|markdown)$/i.test(path)
    ? sanitizeUntrusted(content)
    : redact(stripInvisible(content));
  const body = neutralize(clean);
  return `<file path="${attribute(path)}">\n${body}${note}\n</file>`;
}

/** Builds the repository context for `request` within the token budget (see the module comment). */
export async function buildRepoContext(
  reader: RepoReader,
  request: string,
  options: RepoContextOptions = {},
): Promise<RepoContext> {
  const budgetChars = (options.tokenBudget ?? 24_000) * 4;
  const deny = options.deny ?? [];
  const all = (await reader.listFiles()).filter((p) => !LOCKFILES.test(p) && isReadable(p, deny));
  const sections: string[] = [];
  const included: string[] = [];
  let used = 0;

  const tree = neutralize(trimmedTree(all, Math.floor(budgetChars * 0.2)));
  const treeSection = `## File tree (${all.length} files)\n${tree}`;
  sections.push(treeSection);
  used += treeSection.length;

  const addFile = async (path: string, cap: number): Promise<boolean> => {
    const room = Math.min(cap, budgetChars - used - 100);
    if (room < 200) return false;
    const content = await reader.readFile(path, room * 4 + 1);
    if (content === undefined || content.trim() === "") return false;
    const truncated = content.length > room;
    const block = fence(path, truncated ? content.slice(0, room) : content, truncated);
    sections.push(block);
    included.push(path);
    used += block.length;
    return true;
  };

  // project facts: README head, manifests, CI, within about a third of the budget
  const factsEnd = used + Math.floor(budgetChars * 0.3);
  const facts = [...all.filter(isReadme), ...all.filter(isManifest), ...all.filter(isCi).slice(0, 2)];
  if (facts.length > 0) sections.push("## Project files");
  for (const path of facts) {
    const cap = isReadme(path) ? 6_000 : 3_000;
    if (used >= factsEnd) break;
    await addFile(path, Math.min(cap, factsEnd - used));
  }

  const keywords = keywordsOf(request);
  const candidates = all.filter((p) => !included.includes(p) && !BINARY_EXT.test(p));
  const byPath = candidates
    .map((path) => ({ path, score: pathScore(path, keywords) }))
    .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path))
    .slice(0, options.maxScoredFiles ?? 300);
  const scored: { path: string; score: number }[] = [];
  for (const { path, score } of byPath) {
    const text = (await reader.readFile(path, 64_000)) ?? "";
    if (text === "") continue;
    let total = score * 2 + contentScore(text, keywords);
    if (isEntryPoint(path)) total += 0.5;
    if (isTest(path)) total *= 0.7;
    if (total > 0) scored.push({ path, score: total });
  }
  scored.sort((a, b) => b.score - a.score || a.path.localeCompare(b.path));
  if (scored.length > 0)
    sections.push(`## Files most relevant to the request (keywords: ${keywords.join(", ")})`);
  for (const { path } of scored) {
    if (budgetChars - used < 400) break;
    await addFile(path, Math.floor((budgetChars - used) * 0.5));
  }

  const text = sections.join("\n\n");
  return { text, files: included, tokens: estimateTokens(text), totalFiles: all.length };
}
