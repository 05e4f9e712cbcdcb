import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // tfjs-node is a native addon: run test files in child processes, not worker threads.
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
