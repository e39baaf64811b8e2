/**
 * Commit messages with Planwright trailers: writing them so git recognises the trailer block, and
 * reading them back from one `git log` call in time linear in the size of the history.
 */
import type { HistoryCommit } from "../engine/ports.js";

/** Trailer keys: a letter, then letters, digits and dashes (what git itself accepts). */
const TRAILER_KEY = /^[A-Za-z][A-Za-z0-9-]*$/;

/** A one-line version of free text: trailers and subjects cannot span lines. */
function oneLine(text: string): string {
  return text
    .replace(/\0/g, "")
    .replace(/\s*[\r\n]+\s*/g, " ")
    .trim();
}

/**
 * `TITLE\n\nBODY\n\nKey: value…\n`. The title and trailer values are folded onto one line; the
 * body is kept as is (minus surrounding blank lines). Throws on a key git would not read back.
 */
export function formatCommitMessage(
  title: string,
  body: string,
  trailers: readonly [string, string][],
): string {
  const subject = oneLine(title) || "(untitled)";
  const parts = [subject];
  // git cannot store NUL in a message; it would cut the message short
  const text = body
    .replace(/\0/g, "")
    .replace(/^\s*\n/, "")
    .trimEnd();
  if (text !== "") parts.push(text);
  if (trailers.length > 0) {
    const lines = trailers.map(([key, value]) => {
      if (!TRAILER_KEY.test(key)) throw new Error(`invalid git trailer key: ${JSON.stringify(key)}`);
      return `${key}: ${oneLine(value)}`;
    });
    // a body whose last paragraph looks like trailers would merge with ours: keep them apart
    parts.push(lines.join("\n"));
  }
  return parts.join("\n\n") + "\n";
}

/**
 * The `git log` format read by parseLog: sha, parents, subject and the unfolded trailer block,
 * NUL-separated (with `-z`, records are NUL-separated too, so every record is exactly 4 fields).
 */
export const LOG_FORMAT = "--format=%H%x00%P%x00%s%x00%(trailers:only,unfold)";

/** Parses the output of `git log -z` with LOG_FORMAT. */
export function parseLog(output: string): HistoryCommit[] {
  if (output === "") return [];
  const fields = output.split("\0");
  // git may end the stream with a separator; records always have exactly 4 fields
  if (fields.length % 4 === 1 && fields[fields.length - 1]?.trim() === "") fields.pop();
  if (fields.length % 4 !== 0) {
    throw new Error(`unexpected git log output: ${fields.length} fields is not a multiple of 4`);
  }
  const commits: HistoryCommit[] = [];
  for (let i = 0; i < fields.length; i += 4) {
    const sha = (fields[i] ?? "").trim();
    const parents = (fields[i + 1] ?? "").trim();
    commits.push({
      sha,
      parents: parents === "" ? [] : parents.split(" "),
      subject: fields[i + 2] ?? "",
      trailers: parseTrailers(fields[i + 3] ?? ""),
    });
  }
  return commits;
}

/** `Key: value` lines (already unfolded) to a record; the last occurrence of a key wins. */
export function parseTrailers(block: string): Record<string, string> {
  const trailers: Record<string, string> = {};
  for (const line of block.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    if (!TRAILER_KEY.test(key)) continue;
    trailers[key] = line.slice(colon + 1).trim();
  }
  return trailers;
}
