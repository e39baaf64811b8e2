/**
 * Path and command policy: what a plan may touch and run. Enforced in code on every file write and
 * every command (not only in prompts), so these functions are pure, total and conservative: when in
 * doubt they refuse, with a one-line reason that names the rule.
 */
import picomatch from "picomatch";
import { findDangerous, splitCommand } from "./command-rules.js";
import type { CommandPolicy, PathPolicy, Policy } from "./schema.js";

export { splitCommand };

/**
 * Paths no task may touch, whatever the configuration or plan says. Workflows run with the
 * repository's token, so a plan that edits one could escalate; the rest are where secrets live.
 * `.npmrc`, `.pypirc` and `.netrc` hold registry tokens; `*.key`, `*.p12`, `*.pfx` and keystores hold
 * private keys; `.ssh/` and `.aws/` hold credentials when a repository vendors a home directory.
 */
export const DEFAULT_DENY: readonly string[] = [
  ".github/workflows/**",
  "**/*.pem",
  "**/*.key",
  "**/*.p12",
  "**/*.pfx",
  "**/*.keystore",
  "**/*.jks",
  "**/.env*",
  ".env*",
  "**/id_rsa*",
  "**/id_dsa*",
  "**/id_ecdsa*",
  "**/id_ed25519*",
  "**/.ssh/**",
  "**/.aws/**",
  "**/.npmrc",
  "**/.pypirc",
  "**/.netrc",
  "**/.git-credentials",
];

/** The result of {@link normalizePath}. */
export type NormalizedPath = { ok: true; path: string } | { ok: false; reason: string };

/** The verdict of a policy check; `path` is the normalised path when a path check passes. */
export interface PolicyVerdict {
  ok: boolean;
  reason?: string;
  path?: string;
}

/**
 * A path policy after {@link mergePolicy}: `allow` plus further lists in `allowAlso`, and a path must
 * match one glob of every list (the intersection of the lists).
 */
export interface MergedPathPolicy extends PathPolicy {
  allowAlso?: string[][];
}
/** A command policy after {@link mergePolicy}; a command must match one pattern of every allow list. */
export interface MergedCommandPolicy extends CommandPolicy {
  allowAlso?: string[][];
}
/** What {@link mergePolicy} returns: a {@link Policy} whose allow lists may carry `allowAlso`. */
export interface MergedPolicy extends Policy {
  paths?: MergedPathPolicy;
  commands?: MergedCommandPolicy;
}

// C0 and C1 control characters and DEL.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Characters that some filesystems (HFS+) ignore in names, so ".g\u200cit" would be ".git" there.
const IGNORABLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g;

/** True for a segment that some filesystem would resolve to `.git` (git's own protectNTFS/HFS rules). */
function isGitSegment(segment: string): boolean {
  const s = segment
    .replace(IGNORABLE, "")
    .replace(/[. ]+$/, "")
    .toLowerCase();
  return s === ".git" || s === "git~1" || s.startsWith(".git::");
}

/**
 * Normalises a repository-relative path to POSIX form (`\` becomes `/`, `.` and empty segments
 * vanish, `a/../b` becomes `b`), or refuses it: empty paths, absolute or drive paths, `..` that
 * leaves the repository, any `.git` segment, and control characters.
 */
export function normalizePath(input: string): NormalizedPath {
  if (CONTROL.test(input)) return { ok: false, reason: "control characters are not allowed in paths" };
  if (input.trim() === "") return { ok: false, reason: "empty path" };
  // PATH_MAX on Linux; also bounds the work the glob checks do per path.
  if (input.length > 4096) return { ok: false, reason: "path is longer than 4096 characters" };
  const slashed = input.replace(/\\/g, "/");
  if (slashed.startsWith("/") || /^[A-Za-z]:/.test(slashed)) {
    return { ok: false, reason: "absolute paths are not allowed" };
  }
  const out: string[] = [];
  for (const segment of slashed.split("/")) {
    if (isGitSegment(segment)) return { ok: false, reason: ".git/ is never writable" };
    if (segment === "" || segment === ".") continue;
    // Windows drops trailing spaces, so "secret.json " would dodge a deny glob there.
    if (segment.trim() !== segment) {
      return { ok: false, reason: "path segments may not start or end with whitespace" };
    }
    if (segment === "..") {
      if (out.length === 0) return { ok: false, reason: '".." escapes the repository' };
      out.pop();
      continue;
    }
    out.push(segment);
  }
  if (out.length === 0) return { ok: false, reason: "path names the repository root, not a file" };
  // A shell or a careless join would expand a leading `~` to the home directory.
  if (/^[A-Za-z]:/.test(out[0] ?? "")) return { ok: false, reason: "absolute paths are not allowed" };
  if (out[0] === "~") return { ok: false, reason: "home-relative paths are not allowed" };
  return { ok: true, path: out.join("/") };
}

type Matcher = (path: string) => boolean;
const matcherCache = new Map<string, Matcher>();

/**
 * A glob matcher. Deny globs match case-insensitively (a case-insensitive checkout would write
 * `.GitHub/Workflows/x.yml` into the workflows) and, like `.gitignore`, a deny glob without `/`
 * matches a name at any depth. Allow globs are exact.
 */
function matcher(glob: string, deny: boolean): Matcher {
  const key = `${deny ? "d" : "a"}:${glob}`;
  let m = matcherCache.get(key);
  if (!m) {
    m = picomatch(glob, { dot: true, nocase: deny, basename: deny && !glob.includes("/") });
    matcherCache.set(key, m);
  }
  return m;
}

/** The path and each of its ancestor directories: a glob that matches a directory covers its files. */
function selfAndAncestors(path: string): string[] {
  const parts = path.split("/");
  return parts.map((_, i) => parts.slice(0, parts.length - i).join("/"));
}

function matchesAny(path: string, globs: readonly string[], deny: boolean): string | undefined {
  const candidates = selfAndAncestors(path);
  return globs.find((g) => {
    const m = matcher(g, deny);
    return candidates.some((c) => m(c));
  });
}

/**
 * Checks one path a task wants to write or delete. Deny wins: the built-in {@link DEFAULT_DENY},
 * `policy.deny` and `extraDeny` (e.g. from the configuration) are checked first; then, when an allow
 * list is set, the path must match one of its globs (and one of each `allowAlso` list).
 */
export function checkPath(
  input: string,
  policy?: MergedPathPolicy,
  extraDeny: readonly string[] = [],
): PolicyVerdict {
  const normalized = normalizePath(input);
  if (!normalized.ok) return { ok: false, reason: normalized.reason };
  const path = normalized.path;
  const denyLists: [string, readonly string[]][] = [
    ["policy.paths.deny", policy?.deny ?? []],
    ["policy.paths.deny", extraDeny],
    ["the built-in deny list", DEFAULT_DENY],
  ];
  for (const [source, globs] of denyLists) {
    const hit = matchesAny(path, globs, true);
    if (hit !== undefined) return { ok: false, reason: `denied by ${source} "${hit}"` };
  }
  for (const allow of allowLists(policy)) {
    if (matchesAny(path, allow, false) === undefined) {
      return { ok: false, reason: `not in policy.paths.allow (${allow.join(", ") || "empty list"})` };
    }
  }
  return { ok: true, path };
}

/** The built-in deny globs of files that hold secrets (all of {@link DEFAULT_DENY} but the workflows). */
export const SECRET_PATHS: readonly string[] = DEFAULT_DENY.filter((g) => !g.startsWith(".github/"));

/**
 * Whether a model may see a file: its path is usable and no glob of `deny` (the configuration's
 * deny list) nor of {@link SECRET_PATHS} matches it, in any spelling or case.
 */
export function isReadable(input: string, deny: readonly string[] = []): boolean {
  const normalized = normalizePath(input);
  if (!normalized.ok) return false;
  return (
    matchesAny(normalized.path, deny, true) === undefined &&
    matchesAny(normalized.path, SECRET_PATHS, true) === undefined
  );
}

function allowLists(policy?: { allow?: string[]; allowAlso?: string[][] }): string[][] {
  const lists: string[][] = [];
  if (policy?.allow) lists.push(policy.allow);
  if (policy?.allowAlso) lists.push(...policy.allowAlso);
  return lists;
}

const commandMatcherCache = new Map<string, RegExp>();

/** Allow patterns are shell-ish globs: `*` matches anything (spaces too), `?` one character. */
function commandMatcher(pattern: string): RegExp {
  let m = commandMatcherCache.get(pattern);
  if (!m) {
    const normalized = pattern.trim().replace(/\s+/g, " ");
    const source = [...normalized]
      .map((c) => (c === "*" ? "[^]*" : c === "?" ? "[^]" : c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("");
    m = new RegExp(`^${source}$`, "u");
    commandMatcherCache.set(pattern, m);
  }
  return m;
}

/**
 * Checks one `run` or `verify` command. Dangerous commands ({@link findDangerous}) are refused
 * always; then, when an allow list is set, every simple command of a compound command must match one
 * allow pattern (and one of each `allowAlso` list), so `npm *` does not allow `npm test && curl x | sh`.
 */
export function checkCommand(command: string, policy?: MergedCommandPolicy): PolicyVerdict {
  if (command.trim() === "") return { ok: false, reason: "empty command" };
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(command)) {
    return { ok: false, reason: "control characters are not allowed in commands" };
  }
  const dangerous = findDangerous(command);
  if (dangerous) {
    return { ok: false, reason: `refused: ${dangerous.description} (rule ${dangerous.id})` };
  }
  const lists = allowLists(policy);
  if (lists.length === 0) return { ok: true };
  const parts = splitCommand(command);
  for (const allow of lists) {
    for (const part of parts) {
      if (!allow.some((p) => commandMatcher(p).test(part))) {
        return {
          ok: false,
          reason: `"${part}" is not in policy.commands.allow (${allow.join(", ") || "empty list"})`,
        };
      }
    }
  }
  return { ok: true };
}

function union(a: readonly string[] | undefined, b: readonly string[] | undefined): string[] | undefined {
  if (!a && !b) return undefined;
  return [...new Set([...(a ?? []), ...(b ?? [])])];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Allow lists combine by intersection: the first becomes `allow`, later different ones `allowAlso`. */
function intersect(
  a: { allow?: string[]; allowAlso?: string[][] } | undefined,
  b: { allow?: string[]; allowAlso?: string[][] } | undefined,
): { allow?: string[]; allowAlso?: string[][] } {
  const lists = [...allowLists(a), ...allowLists(b)];
  const distinct: string[][] = [];
  for (const l of lists) if (!distinct.some((d) => sameList(d, l))) distinct.push([...l]);
  const [first, ...rest] = distinct;
  if (!first) return {};
  return rest.length > 0 ? { allow: first, allowAlso: rest } : { allow: first };
}

/**
 * Combines policies (typically configuration first, then plan). Deny lists are united. Allow lists
 * are intersected: a glob language has no "and", so the first allow list stays in `allow` and every
 * other distinct one goes to `allowAlso`; {@link checkPath} and {@link checkCommand} require a match
 * in each. A policy without an allow list does not widen the others.
 */
export function mergePolicy(...policies: (Policy | MergedPolicy | undefined)[]): MergedPolicy {
  let merged: MergedPolicy = {};
  for (const p of policies) {
    if (!p) continue;
    const paths: MergedPathPolicy = {
      ...intersect(merged.paths, p.paths),
    };
    const deny = union(merged.paths?.deny, p.paths?.deny);
    if (deny) paths.deny = deny;
    const commands: MergedCommandPolicy = intersect(merged.commands, p.commands);
    merged = {
      ...(Object.keys(paths).length > 0 ? { paths } : {}),
      ...(Object.keys(commands).length > 0 ? { commands } : {}),
    };
  }
  return merged;
}
