/**
 * The boundary around untrusted commands (plan `run` commands, verify commands, whatever the model
 * wrote and the install scripts those pull in). Each command runs under bubblewrap in new PID,
 * mount, IPC and UTS namespaces, with every capability dropped and no_new_privs set (so `sudo` and
 * other set-uid programs gain nothing):
 *
 * - the whole file system is read-only; only the task's working tree is writable, and its `.git`
 *   (file or folder) and the repository's git directory stay read-only, so a command can neither
 *   commit nor plant hooks, filters or URL rewrites for the git that runs after it;
 * - HOME, /tmp and /run are private and empty (a few tool folders of the real HOME, such as
 *   `~/.cargo`, come back read-only), so `~/.local/bin`, `~/.gitconfig`, credentials in the home
 *   folder, the Docker socket and the runner's file-command files (`GITHUB_ENV`, `GITHUB_PATH`, …)
 *   are out of reach;
 * - no process outside is visible, and every process the command starts dies with it: a detached
 *   `setsid … &` cannot outlive its task or wait for the push.
 *
 * Whoever holds a credential (the Action, `planwright run --push`) keeps it in its own process,
 * which the sandbox cannot see. Failing to start the sandbox fails closed unless the configuration
 * says `off`.
 */
import { spawn } from "node:child_process";
import { existsSync, lstatSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { PolicyError } from "../errors.js";

/** `required`: bubblewrap or nothing runs; `auto`: bubblewrap when it works, else a warning; `off`: none. */
export type SandboxMode = "required" | "auto" | "off";

/** How one command is started: the program and its arguments, and the environment to give it. */
export interface SandboxedSpawn {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** What runCommand asks before starting a command. */
export interface CommandSandbox {
  /** "bubblewrap" when commands are confined, "none" when they run as they are. */
  readonly kind: "bubblewrap" | "none";
  wrap(command: string, cwd: string, env: Record<string, string>): SandboxedSpawn;
}

export interface SandboxOptions {
  mode: SandboxMode;
  /** The repository's git directory (`git rev-parse --git-common-dir`): always read-only. */
  gitDir: string;
  /** The real HOME, whose tool folders come back read-only. */
  home?: string;
  /** More paths to hide behind an empty folder (the runner's temp and file-command folders). */
  hide?: readonly string[];
  /** Share the host's network (true by default: installs need the registry). */
  network?: boolean;
  /** bubblewrap's path; the first of /usr/bin/bwrap, /usr/local/bin/bwrap, /bin/bwrap by default. */
  bwrap?: string;
  /** Told when `auto` falls back to running commands as they are. */
  onWarning?: (message: string) => void;
}

/** Folders of HOME that hold tool chains, not secrets: visible read-only inside the sandbox. */
export const HOME_TOOL_FOLDERS: readonly string[] = [
  ".cargo",
  ".rustup",
  ".dotnet",
  ".nvm",
  ".pyenv",
  ".local/bin",
  ".local/lib",
  ".bun",
  ".deno",
  ".sdkman",
  ".ghcup",
];

/** Folders always replaced by an empty one: homes, runtime sockets, shared temp. */
const HIDDEN_ROOTS: readonly string[] = [
  "/home",
  "/root",
  "/run",
  "/var/run",
  "/tmp",
  "/var/tmp",
  "/mnt",
  "/media",
];

/** Where the sandbox's own HOME and temp folder are. */
export const SANDBOX_HOME = "/tmp/home";

const BWRAP_PATHS = ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"];

/** Runs commands as they are (mode `off`, or `auto` without bubblewrap). */
export const NO_SANDBOX: CommandSandbox = {
  kind: "none",
  wrap: (command, _cwd, env) => ({ file: "sh", args: ["-c", command], env }),
};

/**
 * The folders to hide for a runner: every folder of the `GITHUB_*` file-command files and
 * RUNNER_TEMP, from the environment the credential holder started with.
 */
export function runnerFolders(env: Readonly<Record<string, string | undefined>>): string[] {
  const files = [
    "GITHUB_ENV",
    "GITHUB_PATH",
    "GITHUB_OUTPUT",
    "GITHUB_STATE",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_EVENT_PATH",
  ];
  const folders = files
    .map((name) => env[name])
    .filter((v): v is string => !!v && isAbsolute(v))
    .map((f) => dirname(f));
  for (const name of ["RUNNER_TEMP", "RUNNER_TOOL_CACHE_SECRETS"]) {
    const value = env[name];
    if (value && isAbsolute(value)) folders.push(value);
  }
  return [...new Set(folders.map((f) => resolve(f)))];
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isRealDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** bubblewrap's arguments for `command` in `cwd` (exported for tests that read the layout). */
export function bubblewrapArgs(command: string, cwd: string, options: SandboxOptions): string[] {
  const root = resolve(cwd);
  const args = [
    "--die-with-parent",
    "--new-session",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(options.network === false ? ["--unshare-net"] : []),
    "--cap-drop",
    "ALL",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
  ];
  // a link such as /var/run -> /run is hidden through its target
  const hidden = [...HIDDEN_ROOTS, ...(options.hide ?? [])].filter((p) => isRealDir(p));
  for (const path of new Set(hidden)) args.push("--tmpfs", path);
  // DNS on systemd hosts goes through /run/systemd/resolve (resolv.conf links there)
  args.push("--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve");
  args.push("--dir", SANDBOX_HOME);
  const home = options.home;
  if (home && isAbsolute(home)) {
    for (const folder of HOME_TOOL_FOLDERS) {
      const real = join(home, folder);
      if (isDir(real)) args.push("--ro-bind", real, join(SANDBOX_HOME, folder));
    }
  }
  // mounts apply in order: the shallower path first, so a deeper one is never covered by it
  const binds: [string, string, boolean][] = [
    [root, root, true],
    [options.gitDir, options.gitDir, false],
    [join(root, ".git"), join(root, ".git"), false],
  ];
  binds.sort((a, b) => a[0].split("/").length - b[0].split("/").length || Number(b[2]) - Number(a[2]));
  for (const [from, to, writable] of binds) {
    if (!existsSync(from)) continue;
    args.push(writable ? "--bind" : "--ro-bind", from, to);
  }
  args.push("--chdir", root, "--", "sh", "-c", command);
  return args;
}

function bubblewrap(options: SandboxOptions, bwrap: string): CommandSandbox {
  return {
    kind: "bubblewrap",
    wrap: (command, cwd, env) => ({
      file: bwrap,
      args: bubblewrapArgs(command, cwd, options),
      env: { ...env, HOME: SANDBOX_HOME, TMPDIR: "/tmp" },
    }),
  };
}

/** Runs `true` in the sandbox; resolves to why it failed, or undefined when it works. */
function probe(sandbox: CommandSandbox, cwd: string): Promise<string | undefined> {
  const { file, args, env } = sandbox.wrap("true", cwd, { PATH: "/usr/bin:/bin" });
  return new Promise((resolveProbe) => {
    const child = spawn(file, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", (error) => resolveProbe(error.message));
    child.on("close", (code) =>
      resolveProbe(code === 0 ? undefined : stderr.trim().split("\n")[0] || `exit status ${code}`),
    );
  });
}

/**
 * The sandbox for a run in `cwd`: bubblewrap, checked by starting it once. `required` throws a
 * PolicyError saying why it cannot start; `auto` warns and runs commands as they are.
 */
export async function createSandbox(cwd: string, options: SandboxOptions): Promise<CommandSandbox> {
  if (options.mode === "off") return NO_SANDBOX;
  const bwrap = options.bwrap ?? BWRAP_PATHS.find((p) => existsSync(p));
  let reason: string | undefined;
  if (!bwrap) reason = "bubblewrap (bwrap) is not installed";
  const sandbox = bwrap ? bubblewrap(options, bwrap) : undefined;
  if (sandbox) {
    const failed = await probe(sandbox, cwd);
    if (failed) reason = `bubblewrap cannot start here: ${failed}`;
  }
  if (!reason && sandbox) return sandbox;
  if (options.mode === "auto") {
    options.onWarning?.(`${reason}; commands run WITHOUT a sandbox (execution.sandbox: auto)`);
    return NO_SANDBOX;
  }
  throw new PolicyError(
    `${reason}; commands are not run outside the sandbox. Install bubblewrap (apt-get install bubblewrap; ` +
      `on Ubuntu 24.04 also allow unprivileged user namespaces), or set execution.sandbox: off to run them unconfined`,
  );
}
