import { hashPassword } from "../auth/password.ts";
import { login } from "../auth/login.ts";
import type { UserStore } from "../users/store.ts";

export interface Request {
  path: string;
  body: Record<string, string>;
}
export interface Response {
  status: number;
  body: unknown;
}

/** Routes account requests: sign-up and login. */
export function handleAccount(store: UserStore, request: Request): Response {
  const { username = "", password = "" } = request.body;
  switch (request.path) {
    case "/signup":
      store.add({ username, passwordHash: hashPassword(password) });
      return { status: 201, body: { username } };
    case "/login": {
      const result = login(store, username, password);
      return result.ok ? { status: 200, body: { token: result.token } } : { status: 401, body: result };
    }
    default:
      return { status: 404, body: { error: "not found" } };
  }
}
