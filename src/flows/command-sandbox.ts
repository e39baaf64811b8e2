/**
 * The sandbox a surface runs a plan's commands in, from its mode and the environment it started
 * with: the repository's git directory read-only, the runner's temp and file-command folders
 * hidden, the real HOME's tool folders visible read-only. The Action requires it; the CLI asks
 * for it and says loudly when it falls back.
 */
import { createSandbox, runnerFolders, type CommandSandbox, type SandboxMode } from "../engine/sandbox.js";
import type { GitWorkspace } from "../git/git-workspace.js";

export interface CommandSandboxInput {
  mode: SandboxMode;
  network?: boolean;
  /** The environment the surface started with (HOME and the runner's variables are read). */
  env: Readonly<Record<string, string | undefined>>;
  onWarning?: (message: string) => void;
}

export async function commandSandbox(
  workspace: GitWorkspace,
  input: CommandSandboxInput,
): Promise<CommandSandbox> {
  const gitDir = await workspace.commonGitDir();
  const home = input.env.HOME;
  return createSandbox(workspace.root, {
    mode: input.mode,
    gitDir,
    hide: runnerFolders(input.env),
    ...(home ? { home } : {}),
    ...(input.network !== undefined ? { network: input.network } : {}),
    ...(input.onWarning ? { onWarning: input.onWarning } : {}),
  });
}
