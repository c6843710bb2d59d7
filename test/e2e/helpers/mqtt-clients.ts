/**
 * The real mosquitto clients on fleet hosts, as a user checks a broker by hand: can this user log
 * in, and does a message published here reach a subscriber there. Run over the system ssh client,
 * independent of tsible (and of its own mqtt_check).
 */
import { randomUUID } from "node:crypto";
import { quoteArgv, quoteWord } from "../../../src/connection/quote.js";
import type { Fleet } from "../../fleet/fleet.js";

export interface MqttLogin {
  user?: string | undefined;
  password?: string | undefined;
  /** the broker's address as the client host sees it (default 127.0.0.1: the host's own broker) */
  broker?: string;
  port: number;
}

function clientArgs(login: MqttLogin): string[] {
  const auth = login.user ? ["-u", login.user, "-P", login.password ?? ""] : [];
  return ["-h", login.broker ?? "127.0.0.1", "-p", String(login.port), ...auth];
}

/** Whether the broker accepts this login (a subscription that times out waiting is accepted) */
export async function canLogIn(fleet: Fleet, host: string, login: MqttLogin): Promise<boolean> {
  const argv = ["mosquitto_sub", ...clientArgs(login), "-t", "probe/x", "-C", "1", "-W", "2"];
  const result = await fleet.sshRun(host, quoteArgv(argv));
  return !/not authori[sz]ed|Connection Refused|Connection error|Error:/i.test(result.stderr);
}

export interface Delivery {
  subHost: string;
  sub: MqttLogin & { topic: string };
  pubHost: string;
  pub: MqttLogin & { topic: string };
  message: string;
  /** how long the subscriber waits for the message (default 10 s) */
  waitSeconds?: number;
}

/**
 * Subscribe on one host, publish once the broker has acknowledged the subscription (slow hosts,
 * such as the armhf Pi under qemu, take a while to get there), and return what the subscriber got
 * ("topic payload"), or "" when nothing came within the wait. A refused subscriber throws.
 */
export async function delivery(fleet: Fleet, options: Delivery): Promise<string> {
  const out = `/tmp/tsible-e2e-sub-${randomUUID()}`;
  // line-buffered: the debug line that shows the subscription must reach the file while it runs
  const sub = ["stdbuf", "-oL", "mosquitto_sub", "-d", ...clientArgs(options.sub), "-t", options.sub.topic, "-C", "1", "-W", String(options.waitSeconds ?? 10), "-v"];
  const started = await fleet.sshRun(
    options.subHost,
    `out=${quoteWord(out)}
${quoteArgv(sub)} </dev/null >"$out" 2>&1 &
echo $! >"$out.pid"
i=0
while ! grep -q 'received SUBACK' "$out"; do
  if ! kill -0 "$(cat "$out.pid")" 2>/dev/null || [ "$i" -ge 300 ]; then cat "$out"; rm -f "$out" "$out.pid"; exit 1; fi
  i=$((i + 1)); sleep 0.1
done`,
  );
  if (started.exitCode !== 0) throw new Error(`mosquitto_sub on ${options.subHost} did not subscribe: ${started.stdout.trim()}`);

  const pub = ["mosquitto_pub", ...clientArgs(options.pub), "-t", options.pub.topic, "-m", options.message, "-q", "1"];
  const published = await fleet.sshRun(options.pubHost, quoteArgv(pub));
  if (published.exitCode !== 0) throw new Error(`mosquitto_pub on ${options.pubHost} failed: ${published.stderr.trim()}`);

  const received = await fleet.sshRun(
    options.subHost,
    `out=${quoteWord(out)}
while kill -0 "$(cat "$out.pid")" 2>/dev/null; do sleep 0.1; done
grep -v -e '^Client ' -e '^Subscribed' -e '^Timed out' "$out"
rm -f "$out" "$out.pid"`,
  );
  return received.stdout.trim();
}
