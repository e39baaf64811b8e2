import { translateGitHubError } from "./errors.js";
import type { OctokitLike } from "./github-caller.js";

/**
 * The authenticated App's slug (`GET /app`, with the App's JWT client), so the App can recognise
 * its own `<slug>[bot]` comments and reviews. Falls back to "planwright" when GitHub names none.
 */
export async function appSlug(octokit: OctokitLike): Promise<string> {
  try {
    const response = await octokit.request("GET /app");
    return String((response.data as { slug?: string } | null)?.slug ?? "planwright");
  } catch (error) {
    throw translateGitHubError(error, "read the App's own identity");
  }
}
