/**
 * How GitHub signs and verifies commits, as the sandbox needs it for tests to mean anything:
 *
 * - a commit created through `POST /git/commits` with an App's installation token (a `[bot]`
 *   actor, no author or committer given) is signed by GitHub and authored by the bot: the object
 *   carries a `gpgsig` header, and `verification` says `verified: true, reason: "valid"`, with the
 *   signed `payload` and the `signature`;
 * - a commit pushed with git, or created by a person through the API, is unsigned; a `gpgsig`
 *   header that is not GitHub's own signature of that very payload (copied from another commit)
 *   is `unknown_key`;
 * - with the ruleset "require signed commits" switched on, a push or ref update that brings an
 *   unverified commit onto a branch is refused (git's pre-receive hook here, 422 in the API),
 *   as GitHub refuses it.
 *
 * The signature is an HMAC with a key only this process knows, in an ASCII-armoured block.
 */
import { createHmac, randomBytes } from "node:crypto";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BareRepo } from "./bare-repo.js";

const KEY = randomBytes(32).toString("hex");

export interface Verification {
  verified: boolean;
  reason: "valid" | "unsigned" | "unknown_key";
  signature: string | null;
  payload: string | null;
  verified_at: string | null;
}

function mac(payload: string): string {
  return createHmac("sha256", KEY).update(payload).digest("base64");
}

/** Whether an actor's API commits are signed by GitHub (an App installation's bot). */
export function signsCommits(actor: string): boolean {
  return actor.endsWith("[bot]");
}

/** The raw object of a commit GitHub signs: `payload` with a `gpgsig` header. */
export function signedCommitText(payload: string): string {
  const signature = `-----BEGIN PGP SIGNATURE-----\n\nwsBcBAABCAAQ${mac(payload)}\n-----END PGP SIGNATURE-----`;
  const split = payload.indexOf("\n\n");
  return `${payload.slice(0, split)}\ngpgsig ${signature.split("\n").join("\n ")}${payload.slice(split)}`;
}

/** GitHub's `verification` object for a raw commit object. */
export function verificationOf(raw: string): Verification {
  const split = raw.indexOf("\n\n");
  const header = (split === -1 ? raw : raw.slice(0, split)).split("\n");
  const body = split === -1 ? "" : raw.slice(split);
  const kept: string[] = [];
  const signature: string[] = [];
  let inSig = false;
  for (const line of header) {
    if (line.startsWith("gpgsig ")) {
      inSig = true;
      signature.push(line.slice(7));
    } else if (inSig && line.startsWith(" ")) {
      signature.push(line.slice(1));
    } else {
      inSig = false;
      kept.push(line);
    }
  }
  if (signature.length === 0)
    return { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null };
  const payload = `${kept.join("\n")}${body}`;
  const text = signature.join("\n");
  const valid = text.includes(`wsBcBAABCAAQ${mac(payload)}\n`);
  return {
    verified: valid,
    reason: valid ? "valid" : "unknown_key",
    signature: text,
    payload,
    verified_at: valid ? new Date().toISOString() : null,
  };
}

/** The verification of commit `sha` in `git`. */
export async function verificationOfCommit(git: BareRepo, sha: string): Promise<Verification> {
  return verificationOf(await git.git(["cat-file", "commit", sha]));
}

/** Writes a commit signed as GitHub signs an App's API commits; resolves to its id. */
export async function writeSignedCommit(
  git: BareRepo,
  input: { tree: string; parents: string[]; message: string; name: string; email: string },
): Promise<string> {
  const when = `${Math.floor(Date.now() / 1000)} +0000`;
  const who = `${input.name} <${input.email}> ${when}`;
  const payload = [
    `tree ${input.tree}`,
    ...input.parents.map((p) => `parent ${p}`),
    `author ${who}`,
    `committer ${who}`,
    "",
    input.message,
  ].join("\n");
  return (await git.git(["hash-object", "-t", "commit", "-w", "--stdin"], signedCommitText(payload))).trim();
}

/** The first commit of `newSha` not on any branch yet (or in `old..new`) that is not verified. */
export async function firstUnverified(
  git: BareRepo,
  oldSha: string,
  newSha: string,
): Promise<string | undefined> {
  const zero = /^0+$/.test(oldSha);
  const range = zero ? [newSha, "--not", "--branches"] : [`${oldSha}..${newSha}`];
  const shas = (await git.git(["rev-list", ...range])).split("\n").filter(Boolean);
  for (const sha of shas) if (!(await verificationOfCommit(git, sha)).verified) return sha;
  return undefined;
}

/**
 * The "require signed commits" rule for the bare repository's git pushes: a pre-receive hook,
 * run by git's receive-pack, checks each new commit's signature the same way. `on` switches it.
 */
export async function setSignedCommitsRule(git: BareRepo, on: boolean): Promise<void> {
  const hook = join(git.dir, "hooks", "pre-receive");
  if (!on) {
    await rm(hook, { force: true });
    return;
  }
  const script = new URL("./commit-signing-hook.mjs", import.meta.url).pathname;
  await mkdir(join(git.dir, "hooks"), { recursive: true });
  await writeFile(hook, `#!/bin/sh\nexec "${process.execPath}" "${script}" "${KEY}"\n`);
  await chmod(hook, 0o755);
}
