/** Git's blob id of a plan file's text, computed without git or a file. */
import { createHash } from "node:crypto";

/**
 * The sha1 git gives a blob with this content (`git hash-object`): sha1 of
 * `blob <byte length>\0<bytes>`, the text encoded as UTF-8.
 */
export function planBlobOf(text: string | Uint8Array): string {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  return createHash("sha1").update(`blob ${bytes.byteLength}\0`).update(bytes).digest("hex");
}
