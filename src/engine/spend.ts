/**
 * What a plan has spent so far, across runs, retries and runners: dollars, tokens and run time.
 * Budgets are per plan, not per invocation, so each task commit carries the plan's running total
 * (`Planwright-Spent: usd=… tokens=… ms=…`), and failed attempts, which leave no commit, are kept
 * in a record in the repository's git directory. A run starts from the larger of the two.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TRAILER_PLAN, type HistoryCommit } from "./ports.js";

export const TRAILER_SPENT = "Planwright-Spent";

export interface Spent {
  usd: number;
  /** Input, output and cache tokens. */
  tokens: number;
  /** Time spent running the plan (not waiting between runs). */
  ms: number;
}

export const NOTHING_SPENT: Readonly<Spent> = Object.freeze({ usd: 0, tokens: 0, ms: 0 });

export function formatSpent(spent: Spent): string {
  return `usd=${spent.usd.toFixed(4)} tokens=${Math.round(spent.tokens)} ms=${Math.round(spent.ms)}`;
}

/** Parses a Planwright-Spent value; unknown or malformed fields count as 0. */
export function parseSpent(text: string | undefined): Spent | undefined {
  if (text === undefined) return undefined;
  const out: Spent = { ...NOTHING_SPENT };
  let any = false;
  for (const part of text.trim().split(/\s+/)) {
    const m = /^(usd|tokens|ms)=([0-9]+(?:\.[0-9]+)?)$/.exec(part);
    if (!m) continue;
    out[m[1] as keyof Spent] = Number(m[2]);
    any = true;
  }
  return any ? out : undefined;
}

/** The larger of each figure: every source is a running total, so the largest is the latest known. */
export function maxSpent(...all: (Spent | undefined)[]): Spent {
  const out: Spent = { ...NOTHING_SPENT };
  for (const s of all) {
    if (!s) continue;
    out.usd = Math.max(out.usd, s.usd);
    out.tokens = Math.max(out.tokens, s.tokens);
    out.ms = Math.max(out.ms, s.ms);
  }
  return out;
}

/** The plan's running total as its task commits on the branch record it. */
export function spentInHistory(planId: string, history: readonly HistoryCommit[]): Spent {
  return maxSpent(
    ...history
      .filter((c) => c.trailers[TRAILER_PLAN] === planId)
      .map((c) => parseSpent(c.trailers[TRAILER_SPENT])),
  );
}

let writes = 0;

function recordPath(gitDir: string, planId: string): string {
  return join(gitDir, "planwright", `spent-${planId}.json`);
}

/** The local record of what the plan spent, failed attempts included; undefined when there is none. */
export async function readSpendRecord(gitDir: string, planId: string): Promise<Spent | undefined> {
  try {
    const data = JSON.parse(await readFile(recordPath(gitDir, planId), "utf8")) as Partial<Spent>;
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);
    return { usd: num(data.usd), tokens: num(data.tokens), ms: num(data.ms) };
  } catch {
    return undefined;
  }
}

/** Writes the record (atomically: a crash leaves the old one or the new one). */
export async function writeSpendRecord(gitDir: string, planId: string, spent: Spent): Promise<void> {
  const path = recordPath(gitDir, planId);
  await mkdir(join(gitDir, "planwright"), { recursive: true });
  const temp = `${path}.${process.pid}.${++writes}.tmp`;
  await writeFile(temp, JSON.stringify(spent) + "\n");
  await rename(temp, path);
}
