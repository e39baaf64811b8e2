/**
 * Redaction of secrets from text bound for GitHub (comments, check runs, commit messages) and logs.
 * Two layers: the exact values of secrets the process knows (its environment's secret-named
 * variables, values registered at run time, values a caller names) in the forms tools print them
 * (base64, hex, URL-encoded, wrapped across lines, with invisible characters in between), and
 * well-known token formats that we can recognise without knowing them.
 */

/** What every redacted span is replaced with. */
export const REDACTED = "[redacted]";

/** Secrets shorter than this are ignored: redacting every "abc" in a log would destroy it. */
const MIN_SECRET_LENGTH = 6;

interface TokenPattern {
  pattern: RegExp;
  /** Replacement; `$1` keeps a prefix such as "Authorization: Bearer ". */
  replacement: string | ((match: string) => string);
}

/** Token formats redacted even when nobody told us the value. */
const TOKEN_PATTERNS: TokenPattern[] = [
  // A private key block; an unterminated one is redacted to the end of the text.
  {
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    replacement: REDACTED,
  },
  // Authorization headers keep the scheme so the reader still sees what was there.
  {
    pattern: /(\b(?:proxy-)?authorization\s*[:=]\s*["']?(?:bearer|token|basic|bot)\s+)[^\s"',;]+/gi,
    replacement: `$1${REDACTED}`,
  },
  { pattern: /(\bx-api-key\s*[:=]\s*["']?)[^\s"',;]+/gi, replacement: `$1${REDACTED}` },
  // Credentials in URLs (git remotes, proxies): keep the user name, drop the password.
  { pattern: /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(@)/gi, replacement: `$1${REDACTED}$2` },
  { pattern: /(\bbearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi, replacement: `$1${REDACTED}` },
  { pattern: /\bgithub_pat_[A-Za-z0-9_]{20,255}/g, replacement: REDACTED },
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{20,255}\b/g, replacement: REDACTED },
  { pattern: /\bsk-ant-[A-Za-z0-9_-]{8,}/g, replacement: REDACTED },
  { pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b/g, replacement: REDACTED },
  { pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g, replacement: REDACTED },
  { pattern: /\bxapp-\d-[A-Za-z0-9-]{10,}/g, replacement: REDACTED },
  { pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, replacement: REDACTED },
  { pattern: /\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}/g, replacement: REDACTED },
  { pattern: /\bAIza[0-9A-Za-z_-]{35}/g, replacement: REDACTED },
  { pattern: /\bglpat-[0-9A-Za-z_-]{20,}/g, replacement: REDACTED },
  // AWS secret access keys: 40 base64 characters, after a name that says so, or on their own
  // when they mix cases and hold a "/" or "+" (a git sha never does)
  {
    pattern: /(\baws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
    replacement: `$1${REDACTED}`,
  },
  {
    pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    replacement: (key) => (/[/+]/.test(key) && /[a-z]/.test(key) && /[A-Z]/.test(key) ? REDACTED : key),
  },
  // JWTs: header and payload are base64url JSON objects, so both start with "eyJ".
  { pattern: /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, replacement: REDACTED },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Characters a secret may be split by without changing what a reader copies: whitespace (line
 * wrapping, `fold`, base64 at 76 columns, CRLF), and characters that render as nothing.
 */
// Matching these code points one by one is the point, combining ones included.
/* eslint-disable no-misleading-character-class */
const FILLER =
  /[\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]/u;
/* eslint-enable no-misleading-character-class */

function stripFiller(text: string): string {
  let out = "";
  for (const c of text) if (!FILLER.test(c)) out += c;
  return out;
}

/** {@link FILLER} for one UTF-16 code unit (every filler is in the basic plane), without a regex. */
function isFillerCode(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0xad ||
    c === 0x34f ||
    c === 0x61c ||
    c === 0x115f ||
    c === 0x1160 ||
    c === 0x1680 ||
    c === 0x17b4 ||
    c === 0x17b5 ||
    (c >= 0x180b && c <= 0x180f) ||
    (c >= 0x2000 && c <= 0x200f) ||
    (c >= 0x2028 && c <= 0x202f) ||
    (c >= 0x205f && c <= 0x206f) ||
    c === 0x3000 ||
    c === 0x3164 ||
    (c >= 0xfe00 && c <= 0xfe0f) ||
    c === 0xfeff ||
    c === 0xffa0
  );
}

/** Base64 of `bytes` as it appears inside a longer base64 text starting at byte offset 0, 1 or 2. */
function base64Aligned(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString("base64");
    // characters whose six bits all come from the secret
    const first = Math.ceil((8 * k) / 6);
    const last = Math.floor((8 * (k + bytes.length)) / 6);
    out.push(encoded.slice(first, last));
  }
  return out;
}

/**
 * The forms in which a secret value shows up in output: as is, base64 (both alphabets, padded or
 * not, at any alignment inside a longer base64 text), hex (either case) and URL-encoded (partly or
 * fully, either case of the hex digits).
 */
export function encodedForms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const base64 = bytes.toString("base64");
  // inside a longer text a short secret's aligned forms would match by chance
  const aligned = bytes.length >= 8 ? base64Aligned(bytes) : [];
  const hex = bytes.toString("hex");
  const percent = [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
  const forms = [
    secret,
    base64,
    ...aligned,
    ...[base64, ...aligned].map((f) => f.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")),
    hex,
    hex.toUpperCase(),
    encodeURIComponent(secret),
    encodeURI(secret),
    percent,
    percent.toUpperCase(),
  ];
  return [...new Set(forms)].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** Spans of `text` where one of the forms occurs once fillers are ignored, merged, in order. */
function secretSpans(text: string, pattern: RegExp): [number, number][] {
  // runs of non-filler characters: where each starts in the text and in the stripped text
  const runs: { from: number; to: number; at: number }[] = [];
  let stripped = "";
  for (let i = 0; i < text.length;) {
    while (i < text.length && isFillerCode(text.charCodeAt(i))) i++;
    const from = i;
    while (i < text.length && !isFillerCode(text.charCodeAt(i))) i++;
    if (i > from) {
      runs.push({ from, to: i, at: stripped.length });
      stripped += text.slice(from, i);
    }
  }
  const original = (index: number): number => {
    let lo = 0;
    let hi = runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((runs[mid]?.at ?? 0) <= index) lo = mid;
      else hi = mid - 1;
    }
    const run = runs[lo];
    return run ? run.from + (index - run.at) : index;
  };
  const at = { get: original };
  const spans: [number, number][] = [];
  pattern.lastIndex = 0;
  for (const m of stripped.matchAll(pattern)) {
    const start = at.get(m.index);
    const end = at.get(m.index + m[0].length - 1) + 1;
    const prev = spans.at(-1);
    if (prev && start <= prev[1]) prev[1] = Math.max(prev[1], end);
    else spans.push([start, end]);
  }
  return spans;
}

function replaceSpans(text: string, spans: readonly [number, number][]): string {
  let out = "";
  let last = 0;
  for (const [start, end] of spans) {
    out += text.slice(last, start) + REDACTED;
    last = end;
  }
  return out + text.slice(last);
}

/** Every value worth looking for: the secret, and each long line of a multi-line one (a PEM key). */
function valuesOf(secret: string): string[] {
  const trimmed = secret.trim();
  if (trimmed.length < MIN_SECRET_LENGTH) return [];
  const lines = trimmed.split(/\r?\n/).map((l) => l.trim());
  return [trimmed, ...(lines.length > 1 ? lines.filter((l) => l.length >= 20 && !/^-----/.test(l)) : [])];
}

/** Matchers of secrets: as printed, and once fillers are taken out of both sides. */
interface SecretMatcher {
  exact: RegExp;
  /** Over text without fillers; undefined when no form stays long enough without them. */
  spread?: RegExp;
}

function alternation(forms: Iterable<string>): RegExp | undefined {
  // Longest first, so a secret containing another one is replaced whole.
  const sorted = [...new Set(forms)].sort((a, b) => b.length - a.length);
  return sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join("|"), "gu") : undefined;
}

/** A matcher of the given secrets in all their forms, or undefined when there is none. */
function secretMatcher(secrets: readonly (string | undefined | null)[]): SecretMatcher | undefined {
  const forms: string[] = [];
  for (const secret of secrets) {
    if (typeof secret !== "string") continue;
    for (const value of valuesOf(secret)) forms.push(...encodedForms(value));
  }
  const exact = alternation(forms);
  if (!exact) return undefined;
  const spread = alternation(forms.map(stripFiller).filter((f) => f.length >= MIN_SECRET_LENGTH));
  return spread ? { exact, spread } : { exact };
}

function redactWith(text: string, matcher: SecretMatcher): string {
  const out = text.replace(matcher.exact, REDACTED);
  return matcher.spread ? replaceSpans(out, secretSpans(out, matcher.spread)) : out;
}

function applyPatterns(text: string): string {
  let out = text;
  for (const { pattern, replacement } of TOKEN_PATTERNS) {
    out =
      typeof replacement === "string" ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

/**
 * A redactor that replaces the given secret values (in the forms of {@link encodedForms}, also
 * when split across lines or by invisible characters), the secrets the process holds
 * ({@link knownSecrets}) and every known token format with `[redacted]`. Secrets shorter than six
 * characters are ignored.
 */
export function createRedactor(
  secrets: readonly (string | undefined | null)[] = [],
): (text: string) => string {
  const own = secretMatcher(secrets);
  return (text: string): string => {
    if (typeof text !== "string" || text.length === 0) return text;
    let out = own ? redactWith(text, own) : text;
    const known = knownMatcher();
    if (known) out = redactWith(out, known);
    return applyPatterns(out);
  };
}

/** Names of environment variables whose values are secrets the process holds. */
const SECRET_NAME =
  /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|PRIVATE_KEY|API_?KEY|ACCESS_KEY|CREDENTIAL|_PAT$|_KEY$|^AWS_|^ANTHROPIC_|^INPUT_.*(?:TOKEN|KEY)/i;

/** Whether an environment variable of this name holds a secret the redactor must know. */
export function isSecretEnvName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Values registered at run time (tokens obtained from GitHub, values read from `.env` files). */
const registered = new Set<string>();
let cached: { key: string; matcher: SecretMatcher | undefined } | undefined;

/** Tells the redactor about a secret value the process holds (ignored when shorter than six). */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === "string" && value.trim().length >= MIN_SECRET_LENGTH) registered.add(value);
}

/** Forgets the registered secrets (for tests). */
export function clearRegisteredSecrets(): void {
  registered.clear();
}

/**
 * The secret values the process holds: every environment variable named like a secret (values
 * of eight characters or more) and every registered value.
 */
export function knownSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = Object.entries(env)
    .filter(([name, value]) => value !== undefined && value.trim().length >= 8 && isSecretEnvName(name))
    .map(([, value]) => value as string);
  return [...new Set([...fromEnv, ...registered])];
}

function knownMatcher(): SecretMatcher | undefined {
  const values = knownSecrets();
  const key = values.join("\u0000");
  if (cached?.key !== key) cached = { key, matcher: secretMatcher(values) };
  return cached.matcher;
}

/** Whether `text` holds a secret the process knows, in any of its forms. */
export function holdsKnownSecret(text: string): boolean {
  const known = knownMatcher();
  return known !== undefined && redactWith(text, known) !== text;
}

/**
 * Registers the values of a `.env` file's assignments as secrets: a verify command that prints
 * the database password from `.env` must not put it on a check run.
 */
export function registerEnvFileSecrets(text: string): void {
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=\s*(.*)$/.exec(line);
    const raw = m?.[1]?.trim() ?? "";
    const value = /^(["'])(.*)\1$/.exec(raw)?.[2] ?? raw.replace(/\s+#.*$/, "");
    if (value.length >= 8) registerSecret(value);
  }
}

const defaultRedactor = createRedactor();

/** Redacts the secrets the process holds and known token formats. */
export function redact(text: string): string {
  return defaultRedactor(text);
}

/** Applies a redactor to every string inside a JSON-like value (objects, arrays), returning a copy. */
export function redactDeep<T>(value: T, redactor: (text: string) => string = redact): T {
  if (typeof value === "string") return redactor(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item, redactor)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item, redactor);
    return out as T;
  }
  return value;
}
