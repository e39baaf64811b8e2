/**
 * The environment that task commands and verification run with. An allow-list of harmless names is
 * safer than a deny-list: a secret under a name nobody thought of (`STRIPE_LIVE`, `DATABASE_URL`)
 * never reaches a command an AI wrote. The deny patterns still win over the allow-list, so a caller
 * cannot let a token through by naming it.
 */

/** Names kept as they are: what shells, compilers and test runners need to behave normally. */
export const ALLOWED_ENV_NAMES: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "TERM",
  "COLORTERM",
  "NO_COLOR",
  "FORCE_COLOR",
  "TMPDIR",
  "TMP",
  "TEMP",
  "TZ",
  "CI",
];

/** Name patterns that are always dropped, even when allowed by name. */
const SECRET_PATTERNS: readonly RegExp[] = [
  /_TOKEN$/i,
  /_KEY$/i,
  /_SECRET$/i,
  /PASSWORD/i,
  /_PAT$/i,
  /^ANTHROPIC_/i,
  /^GITHUB_TOKEN$/i,
  /^GH_TOKEN$/i,
  /^ACTIONS_RUNTIME_/i,
  /^ACTIONS_ID_TOKEN_/i,
  /^NPM_TOKEN$/i,
  /^AWS_/i,
];

/** Whether an environment variable name looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_PATTERNS.some((pattern) => pattern.test(name));
}

function isAllowedName(name: string, extra: ReadonlySet<string>): boolean {
  return ALLOWED_ENV_NAMES.includes(name) || name.startsWith("LC_") || extra.has(name);
}

/**
 * A copy of `env` holding only allowed, non-secret names. `allow` adds names (for instance a
 * project's `NODE_ENV`); secret-looking names are dropped regardless.
 */
export function scrubEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { allow?: readonly string[] } = {},
): Record<string, string> {
  const extra = new Set(options.allow ?? []);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !isAllowedName(name, extra) || isSecretName(name)) continue;
    out[name] = value;
  }
  return out;
}
