import type { UserStore } from "../users/store.ts";
import { verifyPassword } from "./password.ts";
import { createSession } from "./session.ts";

export type LoginResult = { ok: true; token: string } | { ok: false; error: string };

/** Checks a username and password; opens a session when they match. */
export function login(store: UserStore, username: string, password: string): LoginResult {
  const user = store.find(username);
  if (!user || !verifyPassword(password, user.passwordHash)) {
    return { ok: false, error: "invalid username or password" };
  }
  return { ok: true, token: createSession(username) };
}
