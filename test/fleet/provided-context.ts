/** What the e2e global setup hands to test files through vitest's provide/inject. */
declare module "vitest" {
  export interface ProvidedContext {
    /** absolute path of the shared fleet's hosts.json (see test/fleet/fleet.sh) */
    fleetHostsJson: string;
  }
}

export {};
