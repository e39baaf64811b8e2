import { randomBytes } from "node:crypto";

const sessions = new Map<string, string>();

/** Opens a session for `username` and returns its token. */
export function createSession(username: string): string {
  const token = randomBytes(24).toString("base64url");
  sessions.set(token, username);
  return token;
}

/** The user of a session token, or undefined. */
export function sessionUser(token: string): string | undefined {
  return sessions.get(token);
}
