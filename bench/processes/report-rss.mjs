// Preloaded with --import in the memory runs only (never in timed ones): prints the process's peak
// resident memory when it exits, as `peak-rss-kib <n>` on stderr.
import process from "node:process";

process.on("exit", () => process.stderr.write(`\npeak-rss-kib ${process.resourceUsage().maxRSS}\n`));
