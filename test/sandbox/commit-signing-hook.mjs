// The sandbox's pre-receive hook for "require signed commits" (see commit-signing.ts): refuses a
// push that brings a commit onto a branch without GitHub's (the sandbox's) signature of it.
import { execFileSync } from "node:child_process";
import process from "node:process";
import { createHmac } from "node:crypto";

const key = process.argv[2] ?? "";
const git = (...args) => execFileSync("git", args, { encoding: "utf8", maxBuffer: 64 << 20 });

function verified(raw) {
  const split = raw.indexOf("\n\n");
  const header = raw.slice(0, split).split("\n");
  const kept = [];
  const sig = [];
  let inSig = false;
  for (const line of header) {
    if (line.startsWith("gpgsig ")) {
      inSig = true;
      sig.push(line.slice(7));
    } else if (inSig && line.startsWith(" ")) sig.push(line.slice(1));
    else {
      inSig = false;
      kept.push(line);
    }
  }
  if (sig.length === 0) return false;
  const payload = `${kept.join("\n")}${raw.slice(split)}`;
  const mac = createHmac("sha256", key).update(payload).digest("base64");
  return sig.join("\n").includes(`wsBcBAABCAAQ${mac}\n`);
}

const input = execFileSync("cat", { encoding: "utf8" });
for (const line of input.split("\n").filter(Boolean)) {
  const [oldSha, newSha, ref] = line.split(" ");
  if (/^0+$/.test(newSha) || !ref.startsWith("refs/heads/")) continue;
  const range = /^0+$/.test(oldSha) ? [newSha, "--not", "--branches"] : [`${oldSha}..${newSha}`];
  for (const sha of git("rev-list", ...range)
    .split("\n")
    .filter(Boolean)) {
    if (!verified(git("cat-file", "commit", sha))) {
      process.stderr.write(
        `error: GH013: Repository rule violations found for ${ref}.\n- Commits must have verified signatures.\n  Found 1 violation:\n  ${sha}\n`,
      );
      process.exit(1);
    }
  }
}
