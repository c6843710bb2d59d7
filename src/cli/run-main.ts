/**
 * How a command's main ends the process: with the exit code main returns, or as an internal
 * error when it throws something that is no user mistake. And one guard: when Node's event loop
 * runs dry before main has settled (a promise waiting for an event that will never come, such as
 * the close of a connection that is already gone), Node would exit with code 0 and nothing
 * printed, which a pipeline reads as success. That ends as an internal error instead.
 */
import { resourceReporter } from "./resource-report.js";

export function runMain(command: string, main: () => Promise<number>, internalErrorCode: number): void {
  let settled = false;
  const reportResources = resourceReporter();
  const fail = (message: string): void => {
    process.stderr.write(`${command}: internal error: ${message}\n`);
    process.exitCode = internalErrorCode;
  };
  process.on("beforeExit", () => {
    if (settled) return;
    settled = true;
    fail("the run stopped before it finished: it was waiting for something that can never happen, so what came after (results, the recap) was not printed. Treat the run as failed, and please report this.");
  });
  main().then(
    (code) => {
      settled = true;
      process.exitCode = code;
      // after the handlers of the last closes have run
      setImmediate(reportResources);
    },
    (error: unknown) => {
      settled = true;
      fail(error instanceof Error ? (error.stack ?? error.message) : String(error));
    },
  );
}
