import { describe, expect, it } from "vitest";
import { isSecretName, scrubEnv } from "../../src/engine/scrub-env.js";

describe("scrubEnv", () => {
  const env = {
    PATH: "/usr/bin",
    HOME: "/home/u",
    LANG: "C.UTF-8",
    LC_ALL: "C",
    CI: "true",
    GITHUB_TOKEN: "ghs_x",
    GH_TOKEN: "x",
    ANTHROPIC_API_KEY: "sk-ant",
    ANTHROPIC_BASE_URL: "http://x",
    NPM_TOKEN: "n",
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "A",
    ACTIONS_RUNTIME_TOKEN: "r",
    ACTIONS_ID_TOKEN_REQUEST_URL: "u",
    DB_PASSWORD: "p",
    MY_PAT: "p",
    STRIPE_SECRET: "s",
    DATABASE_URL: "postgres://u:p@h/db",
    UNSET: undefined,
  };

  it("keeps only harmless names from the allow-list", () => {
    expect(scrubEnv(env)).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/u",
      LANG: "C.UTF-8",
      LC_ALL: "C",
      CI: "true",
    });
  });

  it("lets extra names through but never secret-looking ones", () => {
    const out = scrubEnv(env, { allow: ["DATABASE_URL", "GITHUB_TOKEN", "AWS_REGION", "MY_PAT"] });
    expect(out["DATABASE_URL"]).toBe("postgres://u:p@h/db");
    expect(out).not.toHaveProperty("GITHUB_TOKEN");
    expect(out).not.toHaveProperty("AWS_REGION");
    expect(out).not.toHaveProperty("MY_PAT");
  });

  it("recognises the documented secret names", () => {
    for (const name of [
      "X_TOKEN",
      "deploy_key",
      "APP_SECRET",
      "SMTP_PASSWORD_FILE",
      "GITLAB_PAT",
      "ANTHROPIC_API_KEY",
      "GITHUB_TOKEN",
      "GH_TOKEN",
      "ACTIONS_RUNTIME_URL",
      "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      "NPM_TOKEN",
      "AWS_SESSION_TOKEN",
    ]) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of ["PATH", "HOME", "KEYBOARD", "TOKENIZER"])
      expect(isSecretName(name), name).toBe(false);
  });
});
