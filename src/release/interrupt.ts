/**
 * Locks must not outlive a release, also when it is interrupted: on Ctrl-C
 * (SIGINT) or SIGTERM the cleanups run (host locks over their own connections,
 * then the controller's lock) before the process exits 130/143.
 */
export type Cleanup = () => Promise<void> | void;

export class InterruptGuard {
  private readonly cleanups: Cleanup[] = [];
  private running: Promise<void> | undefined;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.warn(`\n${signal === "SIGINT" ? "interrupted" : "terminated"}: releasing the locks before exiting\n`);
    void this.runAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };

  constructor(private readonly warn: (text: string) => void) {
    process.once("SIGINT", this.onSignal);
    process.once("SIGTERM", this.onSignal);
  }

  /** Cleanups run last-added first, like a stack of try/finally */
  add(cleanup: Cleanup): void {
    this.cleanups.push(cleanup);
  }

  /** Runs every cleanup once (later calls wait for the first); a failing one does not stop the rest */
  runAll(): Promise<void> {
    this.running ??= (async () => {
      while (this.cleanups.length > 0) {
        const cleanup = this.cleanups.pop();
        try {
          await cleanup?.();
        } catch (error) {
          this.warn(`could not release a lock: ${error instanceof Error ? error.message : String(error)}\n`);
        }
      }
    })();
    return this.running;
  }

  dispose(): void {
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
  }
}
