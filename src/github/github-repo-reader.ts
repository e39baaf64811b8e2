/**
 * A RepoReader over the GitHub gateway: what the App's planner sees of a repository without a
 * checkout. The tree comes from one listTree call; file contents come one request each, so reads
 * are capped by a budget of calls and cached (the context builder reads a file once to score it
 * and again to include it: the second read must not cost a request).
 */
import { isReadable } from "../plan/policy.js";
import { SKIPPED_DIRS } from "../llm/local-repo-reader.js";
import type { RepoReader } from "../llm/repo-context.js";
import type { GitHubGateway } from "./gateway.js";

export interface GitHubRepoReaderOptions {
  /** Files read from GitHub at most (one request each); later reads answer `undefined`. Default 60. */
  maxFileReads?: number;
  /**
   * Globs of files never listed nor read, e.g. the configuration's deny list (`**\/*.pem`, `.env*`):
   * what policy forbids a task to touch has no business in the model's prompt either.
   */
  exclude?: readonly string[];
}

/** A RepoReader that also says what it cost. */
export interface GitHubRepoReader extends RepoReader {
  /** Requests made to read files (the tree listing not included). */
  readonly fileReads: number;
  /** Reads refused because the budget was spent. */
  readonly skippedReads: number;
  /** True when GitHub cut the tree listing (very large repositories). */
  readonly truncated: boolean;
}

/** Files above this size are not worth a request: generated or data files, not code to plan from. */
const MAX_FILE_BYTES = 512 * 1024;

/** NUL bytes, or many U+FFFD from decoding non-UTF-8 bytes, mean binary data. */
function looksBinary(text: string): boolean {
  const sample = text.slice(0, 8_000);
  if (sample.includes("\u0000")) return true;
  let replaced = 0;
  for (const ch of sample) if (ch === "\uFFFD") replaced++;
  return replaced > 8 && replaced > sample.length / 100;
}

/**
 * Reads the repository at `ref` (a commit sha, so the context matches the base the plan pins)
 * through `gateway`: at most one tree listing and `maxFileReads` file requests, whatever the
 * context builder asks for.
 */
export function githubRepoReader(
  gateway: GitHubGateway,
  ref: string,
  options: GitHubRepoReaderOptions = {},
): GitHubRepoReader {
  const budget = Math.max(0, options.maxFileReads ?? 60);
  // the built-in deny list (keys, .env files, credentials) always applies, spelled any way
  const deny = options.exclude ?? [];
  const excluded = (path: string) => !isReadable(path, deny);
  const skip = (path: string) => path.split("/").some((part) => SKIPPED_DIRS.has(part)) || excluded(path);
  let listing: Promise<string[]> | undefined;
  let listed = new Set<string>();
  const cache = new Map<string, Promise<string | undefined>>();
  let fileReads = 0;
  let skippedReads = 0;
  let truncated = false;

  const listFiles = (): Promise<string[]> => {
    listing ??= gateway.listTree(ref).then((tree) => {
      truncated = tree.truncated;
      const paths = tree.paths.filter((path) => !skip(path));
      listed = new Set(paths);
      return paths;
    });
    return listing.then((paths) => [...paths]);
  };

  const fetchFile = async (path: string): Promise<string | undefined> => {
    const file = await gateway.readFile(path, ref);
    if (!file || Buffer.byteLength(file.content, "utf8") > MAX_FILE_BYTES || looksBinary(file.content))
      return undefined;
    return file.content;
  };

  const readFile = async (path: string, maxBytes = 200_000): Promise<string | undefined> => {
    await listFiles();
    // Only paths of the tree: the model's context never reaches files outside it or excluded ones.
    if (!listed.has(path)) return undefined;
    let pending = cache.get(path);
    if (!pending) {
      if (fileReads >= budget) {
        skippedReads++;
        return undefined;
      }
      fileReads++;
      pending = fetchFile(path);
      cache.set(path, pending);
    }
    const text = await pending;
    return text === undefined ? undefined : text.slice(0, maxBytes);
  };

  return {
    listFiles,
    readFile,
    get fileReads() {
      return fileReads;
    },
    get skippedReads() {
      return skippedReads;
    },
    get truncated() {
      return truncated;
    },
  };
}
