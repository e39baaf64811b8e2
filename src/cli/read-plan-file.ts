import { readFile, stat } from "node:fs/promises";
import { UsageError } from "../errors.js";
import { DEFAULT_LIMITS } from "../plan/limits.js";
import { loadPlan, type LoadResult } from "../plan/load-plan.js";

/**
 * Reads and validates one plan file. The size is checked before reading so a huge file is an
 * error rather than a memory spike; the bytes go to the loader undecoded so it can report
 * invalid UTF-8 itself.
 */
export async function readPlanFile(
  file: string,
  options?: { extraDeny?: readonly string[] },
): Promise<LoadResult> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError(`${file}: not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file}: no such file`);
  }
  if (size > DEFAULT_LIMITS.maxBytes) {
    return {
      diagnostics: [
        {
          severity: "error",
          line: 1,
          col: 1,
          message: `the file is ${size} bytes, over the limit of ${DEFAULT_LIMITS.maxBytes} bytes`,
        },
      ],
    };
  }
  const bytes = await readFile(file);
  return loadPlan(new Uint8Array(bytes), options?.extraDeny ? { extraDeny: options.extraDeny } : undefined);
}
