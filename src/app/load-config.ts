/**
 * `.github/planwright.yml` through Probot's config loading (`context.config`: the default branch
 * only, `_extends` resolved), validated with the zod schema. An invalid file is never replaced by
 * the defaults: the caller gets a report to post, with the line of each problem. Probot hands over
 * an already-parsed object, so for positions the file's own text is read and parsed once more, only
 * when something is wrong.
 */
import {
  CONFIG_FILE,
  formatConfigDiagnostic,
  parseConfig,
  validateConfigObject,
  type Config,
} from "../config.js";
import { PlanwrightError, TransientError, messageOf } from "../errors.js";
import type { GitHubGateway } from "../github/gateway.js";
import type { Diagnostic } from "../plan/diagnostics.js";

/** What Probot's `context` offers for configuration. */
export interface ConfigSource {
  config<T>(fileName: string): Promise<T | null>;
}

/** The configuration, or the one-comment report of why there is none. */
export type LoadedConfig = { config: Config } | { report: string; problems: string[] };

const FILE_NAME = "planwright.yml";

function errorLines(file: string, diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.filter((d) => d.severity === "error").map((d) => formatConfigDiagnostic(file, d));
}

/** Positioned problems of the file's own text on the default branch, when it has any. */
async function positioned(gateway: GitHubGateway, defaultBranch: string): Promise<string[]> {
  try {
    const file = await gateway.readFile(CONFIG_FILE, defaultBranch);
    if (!file) return [];
    return errorLines(CONFIG_FILE, parseConfig(file.content).diagnostics);
  } catch {
    // The position is a nicety; the report goes out with what Probot said.
    return [];
  }
}

/** The report posted on the issue or PR instead of running anything. */
export function configReport(problems: readonly string[], defaultBranch: string): string {
  const shown = problems.slice(0, 20).map((line) => line.replace(/`/g, "'"));
  const more = problems.length > shown.length ? [`… and ${problems.length - shown.length} more`] : [];
  return [
    `**Planwright** cannot run here: \`${CONFIG_FILE}\` on \`${defaultBranch}\` is invalid.`,
    "",
    "```text",
    ...shown,
    ...more,
    "```",
    "",
    "The defaults are not used in its place. Fix the file on the default branch and repeat the command.",
  ].join("\n");
}

/**
 * Loads and validates the configuration of the repository behind `source`. An invalid file is a
 * report; only GitHub's own failures throw (TransientError for 5xx, 429 and rate limits).
 */
export async function loadRepoConfig(
  source: ConfigSource,
  gateway: GitHubGateway,
  defaultBranch: string,
): Promise<LoadedConfig> {
  let raw: unknown;
  try {
    raw = await source.config<unknown>(FILE_NAME);
  } catch (error) {
    const status = (error as { status?: unknown } | null)?.status;
    if (typeof status === "number") {
      // GitHub failed, not the file: a 5xx, 429 or secondary limit is worth another try.
      const what = `GitHub failed to read ${CONFIG_FILE} (${status})`;
      if (status >= 500 || status === 429 || status === 403) throw new TransientError(what, { cause: error });
      throw new PlanwrightError("internal", what, { cause: error });
    }
    // Probot throws on YAML it cannot parse; our own parser says where.
    const lines = await positioned(gateway, defaultBranch);
    const problems =
      lines.length > 0
        ? lines
        : [
            `${CONFIG_FILE}: error: ${messageOf(error).replace(/^\[@probot\/octokit-plugin-config\]\s*/, "")}`,
          ];
    return { report: configReport(problems, defaultBranch), problems };
  }
  const result = validateConfigObject(raw);
  if (result.config) return { config: result.config };
  // The problem may sit in a file reached through `_extends`; then only key paths are known.
  const lines = await positioned(gateway, defaultBranch);
  const problems = lines.length > 0 ? lines : errorLines(CONFIG_FILE, result.diagnostics);
  return { report: configReport(problems, defaultBranch), problems };
}
