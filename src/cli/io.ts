/** The CLI's view of its process, injectable so commands are testable in-process. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** The real process's IO. Colour follows NO_COLOR / FORCE_COLOR and whether stdout is a terminal. */
export function processIO(): CliIO {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Whether to colour output: a TTY without NO_COLOR, or FORCE_COLOR set. */
export function useColor(io: CliIO): boolean {
  if (io.env["NO_COLOR"]) return false;
  if (io.env["FORCE_COLOR"] && io.env["FORCE_COLOR"] !== "0") return true;
  return io.isTTY;
}

/** Exit statuses: 0 success, 1 the input is invalid or the run failed, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
