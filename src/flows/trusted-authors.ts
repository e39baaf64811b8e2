/**
 * Who may put words in front of the model. ARCHITECTURE.md's rule: text from users below
 * `who_can_command` never reaches the model, and bots (ours included) are ignored. Permission is
 * asked from the collaborator-permission API once per login and flow run, never read from
 * `author_association`.
 */
import type { PermissionLevel } from "../config.js";
import type { GitHubGateway, GitHubUser } from "../github/gateway.js";
import { isBot, permissionAtLeast } from "./approval-policy.js";

/** Answers whether a user's text may reach the model; caches one permission request per login. */
export interface TrustedAuthors {
  allows(user: GitHubUser): Promise<boolean>;
  /** Logins refused so far (for logs and tests). */
  readonly refused: ReadonlySet<string>;
}

/**
 * `vouched` logins are trusted without a request (the requester, whose permission the surface
 * checked before calling the flow).
 */
export function trustedAuthors(
  gateway: GitHubGateway,
  minimum: PermissionLevel,
  vouched: readonly string[] = [],
): TrustedAuthors {
  const known = new Map<string, Promise<boolean>>();
  for (const login of vouched) known.set(login.toLowerCase(), Promise.resolve(true));
  const refused = new Set<string>();
  return {
    refused,
    async allows(user) {
      if (isBot(user)) return false;
      const key = user.login.toLowerCase();
      let answer = known.get(key);
      if (!answer) {
        answer = gateway
          .permissionOf(user.login)
          .then((permission) => permissionAtLeast(permission, minimum));
        known.set(key, answer);
      }
      const ok = await answer;
      if (!ok) refused.add(user.login);
      return ok;
    },
  };
}

/** The items whose author is trusted, in order (permission requests made one login at a time). */
export async function keepTrusted<T extends { user: GitHubUser }>(
  items: readonly T[],
  trusted: TrustedAuthors,
): Promise<T[]> {
  const kept: T[] = [];
  for (const item of items) if (await trusted.allows(item.user)) kept.push(item);
  return kept;
}
