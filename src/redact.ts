/**
 * Redaction of secrets from text bound for GitHub (comments, check runs, commit messages) and logs.
 * Two layers: the exact values of known secrets (with their base64 and URL-encoded forms, since
 * tools echo those too), and well-known token formats that we can recognise without knowing them.
 */

/** What every redacted span is replaced with. */
export const REDACTED = "[redacted]";

/** Secrets shorter than this are ignored: redacting every "abc" in a log would destroy it. */
const MIN_SECRET_LENGTH = 6;

interface TokenPattern {
  pattern: RegExp;
  /** Replacement; `$1` keeps a prefix such as "Authorization: Bearer ". */
  replacement: string;
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
  // JWTs: header and payload are base64url JSON objects, so both start with "eyJ".
  { pattern: /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, replacement: REDACTED },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The forms in which a secret value shows up in output: as is, base64 (both alphabets) and URL-encoded. */
function encodedForms(secret: string): string[] {
  const base64 = Buffer.from(secret, "utf8").toString("base64");
  const unpadded = base64.replace(/=+$/, "");
  const base64url = unpadded.replace(/\+/g, "-").replace(/\//g, "_");
  const forms = [secret, base64, unpadded, base64url, encodeURIComponent(secret), encodeURI(secret)];
  return [...new Set(forms)].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/**
 * A redactor that replaces the given secret values (and their base64 and URL-encoded forms) and
 * every known token format with `[redacted]`. Secrets shorter than six characters are ignored.
 */
export function createRedactor(
  secrets: readonly (string | undefined | null)[] = [],
): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== "string") continue;
    const trimmed = secret.trim();
    if (trimmed.length < MIN_SECRET_LENGTH) continue;
    for (const form of encodedForms(trimmed)) forms.add(form);
  }
  // Longest first, so a secret containing another one is replaced whole.
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  const secretPattern = sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join("|"), "g") : undefined;

  return (text: string): string => {
    if (typeof text !== "string" || text.length === 0) return text;
    let out = secretPattern ? text.replace(secretPattern, REDACTED) : text;
    for (const { pattern, replacement } of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
}

const defaultRedactor = createRedactor();

/** Redacts known token formats (no specific secret values). */
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
