/**
 * Bytes to text for the plan loader: the size limit first (before any work), then strict UTF-8 so a
 * corrupted file is an error at the first bad byte instead of silently replaced characters.
 */
import type { Diagnostic } from "./diagnostics.js";
import type { PlanLimits } from "./limits.js";

/** UTF-8 length of a string without allocating the encoded bytes. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Offset of the first byte that is not valid UTF-8, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c < min || c > max) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * Decodes the source and applies the byte-size limit. A leading byte order mark is dropped (editors
 * do not count it as a column).
 */
export function decodeSource(
  source: string | Uint8Array,
  limits: Pick<PlanLimits, "maxBytes">,
): { text?: string; diagnostics: Diagnostic[] } {
  const size = typeof source === "string" ? utf8Length(source) : source.length;
  if (size > limits.maxBytes) {
    return {
      diagnostics: [
        {
          severity: "error",
          line: 1,
          col: 1,
          message: `the file is ${size} bytes, over the limit of ${limits.maxBytes} bytes`,
        },
      ],
    };
  }
  let text: string;
  if (typeof source === "string") {
    text = source;
  } else {
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(source);
    } catch {
      const bad = Math.max(0, firstInvalidUtf8(source));
      let lineStart = 0;
      let line = 1;
      for (let i = 0; i < bad; i++) {
        if (source[i] === 0x0a) {
          line++;
          lineStart = i + 1;
        }
      }
      const col = new TextDecoder("utf-8").decode(source.subarray(lineStart, bad)).length + 1;
      return {
        diagnostics: [
          { severity: "error", line, col, message: "not valid UTF-8 (a plan file must be UTF-8 text)" },
        ],
      };
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text, diagnostics: [] };
}
