/**
 * Taking credentials out of the process environment, for the Action's entry point. Deleting a name
 * from `process.env` is not enough on Linux: `/proc/<pid>/environ` shows the environment the
 * process was started with (a memory area written at exec), and any process of the same user may
 * read it. So after the values are read and deleted, that area is overwritten through
 * `/proc/self/mem`, which a process may always write for itself, and the result is read back from
 * `/proc/self/environ` to prove it.
 */
import { closeSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import { isSecretName } from "./scrub-env.js";

/** Names the runner gives actions that are credentials, whatever their spelling. */
const RUNNER_CREDENTIALS = /^(ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN_REQUEST_(TOKEN|URL))$/i;
/** Action inputs arrive as `INPUT_<NAME>` with dashes kept: `INPUT_GITHUB-TOKEN`. */
const INPUT_SECRET = /^INPUT_.*(TOKEN|KEY|SECRET|PASSWORD|PAT)$/i;

/** Whether the variable `name` holds a credential the Action must not leave in its environment. */
export function isCredentialName(name: string): boolean {
  const underscored = name.replace(/-/g, "_");
  return (
    isSecretName(name) ||
    isSecretName(underscored) ||
    RUNNER_CREDENTIALS.test(name) ||
    INPUT_SECRET.test(underscored)
  );
}

export interface LoadedSecrets {
  /** Values of the credentials found, by name. */
  values: ReadonlyMap<string, string>;
  /** True when the process's initial environment no longer holds any of them (checked). */
  environWiped: boolean;
  /** Why the initial environment could not be wiped, when it could not. */
  reason?: string;
}

export interface LoadSecretsOptions {
  /** Which names are credentials ({@link isCredentialName} by default). */
  isCredential?: (name: string) => boolean;
}

/**
 * Reads every credential from the environment, deletes it there, and wipes it from this process's
 * initial environment so `/proc/<pid>/environ` no longer shows it. Call once, first thing, before
 * any child process starts. Child processes inherit `process.env`, which no longer has them.
 */
export function loadSecrets(options: LoadSecretsOptions = {}): LoadedSecrets {
  const env = process.env;
  const isCredential = options.isCredential ?? isCredentialName;
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!isCredential(name)) continue;
    if (value !== undefined && value !== "") values.set(name, value);
    delete env[name];
  }
  const wiped = wipeInitialEnviron(isCredential);
  if (!wiped.ok) return { values, environWiped: false, reason: wiped.reason };
  const left = initialEnvironNames().filter(isCredential);
  if (left.length > 0) {
    return { values, environWiped: false, reason: `${left.join(", ")} still in /proc/self/environ` };
  }
  return { values, environWiped: true };
}

/** Whether `/proc/self/environ` (the initial environment) contains `text`; false without /proc. */
export function initialEnvironHolds(text: string): boolean {
  try {
    return readFileSync("/proc/self/environ").includes(text);
  } catch {
    return false;
  }
}

/** Names in `/proc/self/environ` with a value; empty without /proc. */
export function initialEnvironNames(): string[] {
  let text: string;
  try {
    text = readFileSync("/proc/self/environ", "latin1");
  } catch {
    return [];
  }
  return text
    .split("\0")
    .filter((entry) => entry.indexOf("=") > 0)
    .map((entry) => entry.slice(0, entry.indexOf("=")));
}

/**
 * Overwrites with NUL bytes every `NAME=value` entry of the initial environment whose name is a
 * credential. The C library's `environ` no longer points there once the names are deleted from
 * `process.env`, so nothing of ours reads those bytes again.
 */
export function wipeInitialEnviron(
  isCredential: (name: string) => boolean,
): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== "linux") return { ok: false, reason: `no /proc on ${process.platform}` };
  let range: { start: number; end: number };
  try {
    range = environRange(readFileSync("/proc/self/stat", "utf8"));
  } catch (error) {
    return { ok: false, reason: `cannot read /proc/self/stat: ${(error as Error).message}` };
  }
  let fd: number | undefined;
  try {
    fd = openSync("/proc/self/mem", "r+");
    const area = Buffer.alloc(range.end - range.start);
    readSync(fd, area, 0, area.length, range.start);
    let at = 0;
    while (at < area.length) {
      const stop = area.indexOf(0, at);
      const end = stop === -1 ? area.length : stop;
      const entry = area.subarray(at, end).toString("latin1");
      const eq = entry.indexOf("=");
      if (eq > 0 && isCredential(entry.slice(0, eq))) {
        writeSync(fd, Buffer.alloc(end - at), 0, end - at, range.start + at);
      }
      at = end + 1;
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `cannot rewrite the initial environment: ${(error as Error).message}` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `env_start` and `env_end` (fields 50 and 51 of `/proc/<pid>/stat`, see proc(5)). */
export function environRange(stat: string): { start: number; end: number } {
  // the command name (field 2) is in parentheses and may itself hold spaces or parentheses
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const start = Number(fields[50 - 3]);
  const end = Number(fields[51 - 3]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start <= 0 || end < start) {
    throw new Error("no environment range in /proc/self/stat");
  }
  return { start, end };
}
