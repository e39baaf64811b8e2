/**
 * Protected paths: files that are not code but decide what runs, who reviews or what a reviewer
 * sees. A change to one of them takes effect outside the plan (a workflow, a git hook, an editor
 * task, the configuration once merged), so no task may touch them unless the plan names the path,
 * the risk is critical (the `protected-paths` risk rule raises it, with the reason) and the
 * repository configuration allows the path (`policy.protected.allow`). The executing plan file is
 * never writable. Data, not code: each entry says why it is on the list (docs/policy.md).
 */
import picomatch from "picomatch";

export interface ProtectedPath {
  /** Matched like a deny glob: case-insensitively, and a glob without `/` at any depth. */
  glob: string;
  why: string;
}

/** The built-in list; `policy.protected.add` in the configuration extends it. */
export const PROTECTED_PATHS: readonly ProtectedPath[] = [
  { glob: ".github/**", why: "workflows, composite actions, Planwright's own configuration, CODEOWNERS" },
  { glob: ".planwright/**", why: "plan files: the pull request must show the plan that ran" },
  { glob: "CODEOWNERS", why: "decides who must review" },
  { glob: ".gitattributes", why: "filter and diff drivers run commands on checkout and diff" },
  { glob: ".gitmodules", why: "submodules fetch and run code from elsewhere" },
  {
    glob: ".*/**",
    why: "top-level dot folders hold tool configuration that runs code (.husky, .devcontainer, .vscode, .circleci …)",
  },
  { glob: ".npmrc", why: "package-manager configuration: registries, tokens, scripts" },
  { glob: ".yarnrc", why: "package-manager configuration: registries, tokens, scripts" },
  { glob: ".yarnrc.yml", why: "package-manager configuration: plugins and yarnPath run code" },
  { glob: ".pnpmfile.cjs", why: "pnpm runs it on every install" },
  { glob: "pnpm-workspace.yaml", why: "pnpm settings that allow install scripts" },
  { glob: ".envrc", why: "direnv runs it on entering the folder" },
  { glob: ".pre-commit-config.yaml", why: "git hooks that run on commit" },
  { glob: "lefthook.yml", why: "git hooks that run on commit" },
  { glob: ".lefthook.yml", why: "git hooks that run on commit" },
  { glob: ".huskyrc*", why: "git hooks that run on commit" },
  { glob: "AGENTS.md", why: "instructions that coding agents follow" },
  { glob: "CLAUDE.md", why: "instructions that coding agents follow" },
  { glob: "GEMINI.md", why: "instructions that coding agents follow" },
  { glob: ".cursorrules", why: "instructions that coding agents follow" },
  { glob: ".windsurfrules", why: "instructions that coding agents follow" },
  { glob: ".clinerules", why: "instructions that coding agents follow" },
];

type Matcher = (path: string) => boolean;
const cache = new Map<string, Matcher>();

function matcher(glob: string): Matcher {
  let m = cache.get(glob);
  if (!m) {
    // `.*/**` is anchored at the root on purpose: only top-level dot folders, not every `.cache`
    m = picomatch(glob, { dot: true, nocase: true, basename: !glob.includes("/") });
    cache.set(glob, m);
  }
  return m;
}

/** The path and each of its ancestors: protecting a folder protects what is in it. */
function selfAndAncestors(path: string): string[] {
  const parts = path.split("/");
  return parts.map((_, i) => parts.slice(0, parts.length - i).join("/"));
}

/**
 * The entry that protects a normalised repository path, if any: the built-in list first, then the
 * configured additions (`why` says so).
 */
export function protectedEntry(path: string, extra: readonly string[] = []): ProtectedPath | undefined {
  const candidates = selfAndAncestors(path);
  const entries = [
    ...PROTECTED_PATHS,
    ...extra.map((glob) => ({ glob, why: "listed in policy.protected.add" })),
  ];
  return entries.find((e) => {
    const m = matcher(e.glob);
    return candidates.some((c) => m(c));
  });
}

/**
 * Whether a folder (normalised path, "" for the root) contains or is a protected path, judged by
 * the globs' literal prefixes: a link to `.github` would let a later write reach the workflows.
 */
export function holdsProtected(folder: string, globs: readonly string[]): boolean {
  if (folder === "") return true;
  const lower = folder.toLowerCase();
  return globs.some((glob) => {
    const segments = glob.split("/");
    const firstGlob = segments.findIndex((s) => /[*?[{]/.test(s));
    const prefix = segments
      .slice(0, firstGlob === -1 ? segments.length : firstGlob)
      .join("/")
      .toLowerCase();
    return prefix !== "" && (prefix === lower || prefix.startsWith(`${lower}/`));
  });
}

/** `.planwright/plans/<plan id>.yaml`, where a plan's own file lives. */
export function planFileOf(planId: string): string {
  return `.planwright/plans/${planId}.yaml`;
}
