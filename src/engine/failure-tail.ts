/**
 * The part of a failed command's output a person needs to see why it failed: its last lines,
 * capped in bytes so that a log of long lines stays readable everywhere it is shown (terminal,
 * JSON log, check run, job summary). Test runners and compilers print the reason last.
 */

/** Lines kept from the end of a failure's output. */
export const FAILURE_TAIL_LINES = 40;
/** Bytes kept at most (UTF-8), after the line limit. */
export const FAILURE_TAIL_BYTES = 4096;

/** The last `lines` lines of `output`, at most `bytes` bytes, never splitting a character. */
export function failureTail(output: string, lines = FAILURE_TAIL_LINES, bytes = FAILURE_TAIL_BYTES): string {
  const text = output.replace(/\r\n/g, "\n").replace(/\s+$/, "");
  if (text === "") return "";
  let kept = text.split("\n").slice(-lines).join("\n");
  const encoded = Buffer.from(kept, "utf8");
  if (encoded.length > bytes) {
    let start = encoded.length - bytes;
    // skip UTF-8 continuation bytes so the cut lands on a character boundary
    while (start < encoded.length && ((encoded[start] ?? 0) & 0xc0) === 0x80) start++;
    kept = encoded.subarray(start).toString("utf8");
    const newline = kept.indexOf("\n");
    // drop the partial first line when whole lines remain after it
    if (newline >= 0 && newline < kept.length - 1) kept = kept.slice(newline + 1);
    kept = `…\n${kept}`;
  }
  return kept;
}
