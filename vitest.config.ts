import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // the end-to-end suites run real processes on a busy 2-core CI machine: one retry there,
    // none locally, so a flaky test still shows up where it is written
    retry: process.env["CI"] ? 1 : 0,
  },
});
