import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // e2e files share one fleet of hosts: run files one after another
    fileParallelism: false,
  },
});
