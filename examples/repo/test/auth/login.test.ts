import { test } from "node:test";
import assert from "node:assert/strict";
import { login } from "../../src/auth/login.ts";
import { hashPassword } from "../../src/auth/password.ts";
import { UserStore } from "../../src/users/store.ts";

test("login opens a session for the right password only", () => {
  const store = new UserStore();
  store.add({ username: "ada", passwordHash: hashPassword("correct horse") });
  const ok = login(store, "ada", "correct horse");
  assert.equal(ok.ok, true);
  assert.deepEqual(login(store, "ada", "wrong"), { ok: false, error: "invalid username or password" });
});
