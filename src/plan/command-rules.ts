/**
 * Commands Planwright refuses whatever the policy allows: the seatbelt under the command allow list.
 *
 * The rules are data so that reviewers can read, test and extend them one by one. They match the
 * whole command text, quotes included, so `bash -c "curl x | sh"` is caught; the price is that
 * `echo "curl x | sh"` is refused too. A false refusal is visible and easy to reword, a missed one
 * is not. They are a seatbelt, not a sandbox: a determined script can always obfuscate, which is
 * why the command allow list and the scrubbed environment exist as well.
 */

/** One dangerous-command pattern. */
export interface CommandRule {
  /** Stable identifier, shown in refusals and usable in tests. */
  id: string;
  /** What the command would do, phrased to complete "refused: …". */
  description: string;
  pattern: RegExp;
}

/** Where a new simple command may start: beginning, after a separator or inside `$(`, `(`, backticks. */
const CMD_START = String.raw`(?:^|[;&|(\n\x60]|\$\()\s*`;
/** Arguments within one simple command (no separators). */
const ARG = String.raw`[^\s;&|\n]+`;
/** The root, `/*`, the home directory, or a top-level system directory, as a whole argument. */
const ROOT_OR_HOME = String.raw`["']?(?:\/\*?|\/(?:bin|boot|dev|etc|home|lib|lib64|opt|root|sbin|srv|sys|usr|var)\/?\*?|~\/?\*?|\$\{?HOME\}?\/?\*?)["']?(?=\s|$|[;&|)\n])`;
const HOME = String.raw`(?:~|\$\{?HOME\}?)`;
const SHELL = String.raw`(?:sudo\s+)?(?:ba|z|k|da|fi|c|tc)?sh\b|python[0-9.]*\b|perl\b|ruby\b|node\b`;
const SECRET_NAME = String.raw`\w*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|ACCESS_?KEY)\w*`;

/** Longer commands are refused: no plan needs one, and the checks below must stay fast. */
export const MAX_COMMAND_LENGTH = 10_000;

const re = (source: string, flags = ""): RegExp => new RegExp(source, flags);

/** The built-in dangerous-command rules, refused for every plan and every configuration. */
export const DANGEROUS_COMMANDS: readonly CommandRule[] = [
  {
    // First, so no other pattern runs on it: some scan a command once per `rm` or `curl` in it.
    id: "too-long",
    description: `is longer than ${MAX_COMMAND_LENGTH} characters, too long to check (put it in a script file)`,
    pattern: new RegExp(`^[^]{${MAX_COMMAND_LENGTH + 1}}`),
  },
  {
    id: "rm-root",
    description: "recursively deletes the root, home or a system directory",
    pattern: re(
      String.raw`\brm\s+(?:${ARG}\s+)*?--no-preserve-root\b|\brm(?=(?:\s+${ARG})*?\s+(?:-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)(?=\s|$))(?:\s+${ARG})*?\s+${ROOT_OR_HOME}`,
    ),
  },
  {
    id: "download-to-shell",
    description: "pipes a download into a shell or interpreter",
    pattern: re(
      String.raw`\b(?:curl|wget)\b[^;&\n]*?(?<!\|)\|(?!\|)\s*(?:${SHELL})|(?:\b(?:ba|z|k|da)?sh|\bsource|(?:^|\s)\.)\s+<\(\s*(?:curl|wget)\b|(?:\b(?:ba|z|k|da)?sh\s+-c|\beval)\s+["']?\$\(\s*(?:curl|wget)\b`,
    ),
  },
  {
    id: "privilege",
    description: "escalates privileges (sudo, su, doas)",
    pattern: re(String.raw`${CMD_START}(?:sudo|su|doas|pkexec|run0)(?=\s|$)`),
  },
  {
    id: "fork-bomb",
    description: "is a fork bomb",
    pattern: re(String.raw`([A-Za-z_:][\w:]*)\s*\(\)\s*\{[^}]*\1\s*\|\s*\1\s*&`),
  },
  {
    id: "write-system",
    description: "writes into /etc, a system directory or ~/.ssh and shell start-up files",
    pattern: re(
      String.raw`(?:>>?|\btee\s+(?:-\S+\s+)*)\s*["']?(?:\/(?:etc|usr|boot|bin|sbin|lib|lib64|root|sys)\/|${HOME}\/\.(?:ssh|bashrc|bash_profile|profile|zshrc|zprofile|gitconfig|npmrc|netrc|aws|gnupg|config\/git)\b)|\b(?:cp|mv|install|ln|rsync)\s+(?:${ARG}\s+)+["']?(?:\/etc|${HOME}\/\.ssh)(?:\/[^\s;&|\n]*)?["']?\s*(?=$|[;&|\n])`,
    ),
  },
  {
    id: "git-push",
    description: "pushes with git (Planwright pushes task commits itself)",
    pattern: re(String.raw`\bgit(?:\s+(?:-[Cc]\s+${ARG}|--?[\w-]+(?:=${ARG})?))*\s+push(?![\w-])`),
  },
  {
    id: "git-credentials",
    description: "configures git credentials, URL rewrites or command hooks",
    pattern: re(
      // Matched anywhere, not only after `git config`: `git -c`, `GIT_CONFIG_*` variables and config
      // files set them too, and a scan per `git` would be quadratic.
      String.raw`\b(?:extraheader|credential\.(?:\S*\.)?(?:helper|username|usehttppath)|url\.\S+\.(?:push)?insteadof|core\.(?:sshcommand|askpass|hookspath|fsmonitor))\b|\bGIT_(?:ASKPASS|SSH_COMMAND|SSH|CONFIG_(?:COUNT|KEY_\d+|VALUE_\d+|PARAMETERS|GLOBAL|SYSTEM))=`,
      "i",
    ),
  },
  {
    id: "git-remote",
    description: "changes git remotes",
    pattern: re(String.raw`\bgit(?:\s+-C\s+${ARG})*\s+remote\s+(?:set-url|add|rename|remove|rm)\b`),
  },
  {
    id: "chmod-root",
    description: "changes permissions or ownership of the root or home directory",
    pattern: re(String.raw`\bch(?:mod|own|grp)\s+(?:${ARG}\s+)*${ROOT_OR_HOME}`),
  },
  {
    id: "disk-write",
    description: "formats or overwrites a disk device",
    pattern: re(
      String.raw`\bmkfs(?:\.\w+)?\b|\bdd\b[^;&|\n]*\bof=\/dev\/(?!null\b|zero\b|stdout\b|stderr\b)|>\s*\/dev\/(?:sd|hd|nvme|xvd|vd|disk|mmcblk)|\b(?:wipefs|fdisk|sfdisk|parted)\b|\bshred\b[^;&|\n]*\/dev\/`,
    ),
  },
  {
    id: "read-secrets",
    description:
      "reads a well-known secret file (SSH keys, cloud or registry credentials, process environments)",
    pattern: re(
      String.raw`${HOME}\/\.(?:ssh\/(?:id_|[^\s/]*key)|aws\/credentials|netrc|npmrc|pypirc|git-credentials|docker\/config\.json|kube\/config|config\/gh\/hosts|gnupg)|\/proc\/[^\s/]+\/environ|\/etc\/(?:shadow|gshadow|sudoers)|(?:^|[\s"'=/])\.git\/config\b|\bgit\b[^;&|\n]*\bconfig\s+(?:${ARG}\s+)*(?:--list|-l)(?=\s|$)`,
    ),
  },
  {
    id: "print-secret",
    description: "prints a secret environment variable",
    pattern: re(
      String.raw`\bprintenv\b[^;&|\n]*${SECRET_NAME}|\b(?:printenv|env|set)\s*\|[^;&\n]*${SECRET_NAME}|\b(?:echo|printf)\b[^;&|\n]*\$\{?${SECRET_NAME}`,
      "i",
    ),
  },
  {
    id: "system-power",
    description: "shuts down the machine or kills every process",
    pattern: re(
      String.raw`${CMD_START}(?:shutdown|reboot|halt|poweroff|init\s+[06])(?=\s|$)|\bkill\s+-(?:9|KILL)\s+-1\b`,
    ),
  },
];

/** The first dangerous-command rule the command matches, or undefined when it matches none. */
export function findDangerous(command: string): CommandRule | undefined {
  // A backslash-newline is a line continuation: `rm -rf \<newline> /` is still `rm -rf /`.
  const text = command.replace(/\\\r?\n/g, " ");
  // The shell removes quotes and backslashes before running a word, so `"git" push` and `r\m -rf /`
  // are `git push` and `rm -rf /`: check that view too.
  const unquoted = text.replace(/["'\\]/g, "");
  return DANGEROUS_COMMANDS.find((rule) => rule.pattern.test(text) || rule.pattern.test(unquoted));
}

/**
 * Splits a shell command into the simple commands it runs: on `&&`, `||`, `;`, `|`, `&`, newlines
 * and parentheses outside quotes, and pulling out the commands inside `$(…)`, `<(…)`, `>(…)` and
 * backticks (including inside double quotes), so that each can be checked on its own.
 */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  parseCommandList(command.replace(/\\\r?\n/g, " "), 0, "", out);
  return out;
}

/** Parses until `close` (")" or "`") or the end; returns the index after the terminator. */
function parseCommandList(text: string, start: number, close: string, out: string[]): number {
  let current = "";
  let quote: "'" | '"' | "" = "";
  const flush = (): void => {
    const trimmed = current.trim().replace(/\s+/g, " ");
    if (trimmed !== "") out.push(trimmed);
    current = "";
  };
  let i = start;
  while (i < text.length) {
    const ch = text[i] as string;
    const next = text[i + 1] ?? "";
    if (quote === "'") {
      current += ch;
      if (ch === "'") quote = "";
      i++;
      continue;
    }
    if (ch === "\\") {
      current += ch + next;
      i += 2;
      continue;
    }
    if ((ch === "$" || ch === "<" || ch === ">") && next === "(") {
      current += `${ch}(…)`;
      i = parseCommandList(text, i + 2, ")", out);
      continue;
    }
    if (ch === "`") {
      if (close === "`") break;
      current += "`…`";
      i = parseCommandList(text, i + 1, "`", out);
      continue;
    }
    if (quote === '"') {
      current += ch;
      if (ch === '"') quote = "";
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
      i++;
      continue;
    }
    if (ch === ")" && close === ")") break;
    // `2>&1`, `>&2`, `&>out` are redirections, not the background operator.
    if (ch === "&" && (current.endsWith(">") || current.endsWith("<") || next === ">")) {
      current += ch;
      i++;
      continue;
    }
    if (ch === ";" || ch === "&" || ch === "|" || ch === "\n" || ch === "\r" || ch === "(" || ch === ")") {
      flush();
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  flush();
  return i + 1;
}
