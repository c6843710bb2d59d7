import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          // some unit tests run real programs (git, a loopback broker): generous on a busy machine
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          // test/faults: the fault and hostile-input suite, on hosts of its own (test/faults/record.ts)
          include: ["test/e2e/**/*.test.ts", "test/faults/**/*.test.ts"],
          // Starts one fleet of real sshd hosts (needs root) and tears it down at the end.
          globalSetup: ["test/e2e/global-setup.ts"],
          // All e2e files share that fleet: run them one after another.
          fileParallelism: false,
          // the fault suite's long mode (npm run faults) runs many cases in one test
          testTimeout: process.env.TSIBLE_FAULTS === "long" ? 90 * 60_000 : 180_000,
          hookTimeout: 15 * 60_000,
        },
      },
    ],
  },
});
