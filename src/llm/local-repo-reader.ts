/**
 * A RepoReader over a local checkout: the CLI's way of giving the planner the repository. It walks
 * the tree skipping git's folder, dependency and build folders, and the patterns of the root
 * `.gitignore` that are simple enough to honour without git (the App reads a GitHub tree instead).
 */
import { readFile, readdir, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import picomatch from "picomatch";
import { UsageError } from "../errors.js";
import { isReadable } from "../plan/policy.js";
import type { RepoReader } from "./repo-context.js";

/** Folders never worth showing a model: VCS data, dependencies, build output, caches. */
export const SKIPPED_DIRS = new Set([
  ".git",
  "node_modules",
  "dist",
  "build",
  "out",
  "coverage",
  ".next",
  ".cache",
  ".venv",
  "venv",
  "__pycache__",
  "target",
  "vendor",
  ".tools",
]);

export interface LocalRepoReaderOptions {
  /** Stop listing after this many files (large monorepos). Default 20,000. */
  maxFiles?: number;
  /** Globs never listed nor read (the configuration's deny list); the built-in deny list always applies. */
  exclude?: readonly string[];
}

async function gitignoreMatcher(root: string): Promise<(path: string) => boolean> {
  const text = await readFile(join(root, ".gitignore"), "utf8").catch(() => "");
  const globs: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    // negations need git's full semantics; leave them (and comments) out rather than guess
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const anchored = line.startsWith("/");
    const body = line.replace(/^\//, "").replace(/\/$/, "");
    const base = anchored || body.includes("/") ? body : `**/${body}`;
    globs.push(base, `${base}/**`);
  }
  if (globs.length === 0) return () => false;
  return picomatch(globs, { dot: true });
}

/** A RepoReader for the directory `root`; throws UsageError when it is not a readable folder. */
export async function createLocalRepoReader(
  root: string,
  options: LocalRepoReaderOptions = {},
): Promise<RepoReader> {
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`--repo ${root}: not a folder`);
  const maxFiles = options.maxFiles ?? 20_000;
  const gitignored = await gitignoreMatcher(root);
  const deny = options.exclude ?? [];
  // files that hold secrets (keys, .env files, credentials) have no business in a prompt
  const ignored = (rel: string) => gitignored(rel) || !isReadable(rel, deny);

  const listFiles = async (): Promise<string[]> => {
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        if (files.length >= maxFiles) return;
        const full = join(dir, entry.name);
        const rel = relative(root, full).split(sep).join("/");
        if (entry.isDirectory()) {
          if (SKIPPED_DIRS.has(entry.name) || ignored(rel)) continue;
          await walk(full);
        } else if (entry.isFile() && !ignored(rel)) files.push(rel);
      }
    };
    await walk(root);
    return files;
  };

  const readRepoFile = async (path: string, maxBytes = 200_000): Promise<string | undefined> => {
    if (path.startsWith("/") || path.split("/").includes("..") || ignored(path)) return undefined;
    const full = join(root, path);
    // a link is read only when where it really leads is inside the checkout and readable too
    const real = await realpath(full).catch(() => undefined);
    const realRoot = await realpath(root).catch(() => root);
    if (real === undefined) return undefined;
    const inside = relative(realRoot, real);
    if (inside === "" || inside.startsWith("..") || ignored(inside.split(sep).join("/"))) return undefined;
    const buffer = await readFile(real).catch(() => undefined);
    if (!buffer) return undefined;
    const slice = buffer.subarray(0, maxBytes);
    // a NUL byte in the first kilobytes means binary: nothing a model can use
    if (slice.subarray(0, 8000).includes(0)) return undefined;
    return slice.toString("utf8");
  };

  return { listFiles, readFile: readRepoFile };
}
