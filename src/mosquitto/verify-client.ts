/**
 * MQTT.js clients for the broker check, with every wait bounded and every
 * client ended: a connection attempt tells "logged in", "refused by the
 * broker (CONNACK code)" and "could not talk to the broker" apart, because
 * only the second proves a refusal. No retries, clean sessions, MQTT 3.1.1 as
 * the runbook's mosquitto_pub/sub speak it.
 */
import { connect, type IClientOptions, type MqttClient } from "mqtt";
import type { Secret } from "../secrets.js";

export interface BrokerEndpoint {
  host: string;
  port: number;
  /** CA certificate (PEM text) for mqtts; plain mqtt when undefined */
  ca?: string | undefined;
  /** bound of every single wait (connect, subscribe, publish, a message to arrive) */
  timeoutMs: number;
}

export interface Login {
  username: string | undefined;
  password: Secret | undefined;
  clientId: string;
}

export type ConnectOutcome =
  | { kind: "connected"; session: Session }
  /** the broker answered CONNACK with a refusal */
  | { kind: "refused"; code: number; reason: string }
  /** no CONNACK: unreachable, TLS failure, timeout, closed */
  | { kind: "failed"; reason: string };

/** CONNACK codes that mean "these credentials are not accepted": 3.1.1 (4, 5) and 5.0 (0x86, 0x87) */
export const NOT_AUTHORIZED_CODES: readonly number[] = [4, 5, 0x86, 0x87];

export interface ReceivedMessage {
  topic: string;
  payload: string;
  retained: boolean;
}

/** One connected client: subscribe, publish, and wait for messages it received */
export class Session {
  readonly #client: MqttClient;
  readonly #timeoutMs: number;
  readonly #received: ReceivedMessage[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(client: MqttClient, timeoutMs: number) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
    client.on("message", (topic, payload, packet) => {
      this.#received.push({ topic, payload: payload.toString("utf8"), retained: packet.retain });
      for (const wake of this.#waiters) wake();
    });
  }

  get received(): readonly ReceivedMessage[] {
    return this.#received;
  }

  /** Subscribe at QoS 1; returns the granted QoS (128 = refused by the broker) */
  async subscribe(topic: string): Promise<number> {
    try {
      const grants = await bounded(this.#client.subscribeAsync(topic, { qos: 1 }), this.#timeoutMs, `subscribing to ${topic}`);
      return grants[0]?.qos ?? 128;
    } catch (error) {
      // MQTT.js rejects a SUBACK failure code (0x80 and up) with that code
      const code = (error as { code?: unknown }).code;
      if (typeof code === "number" && code >= 0x80) return code;
      throw error;
    }
  }

  /** Publish at QoS 1 and wait for the PUBACK: the broker has handled the message when this resolves */
  async publish(topic: string, payload: string): Promise<void> {
    await bounded(this.#client.publishAsync(topic, payload, { qos: 1 }), this.#timeoutMs, `publishing to ${topic}`);
  }

  /** The first received message that matches, waiting at most `waitMs` (default: the timeout) */
  async waitFor(match: (message: ReceivedMessage) => boolean, waitMs = this.#timeoutMs): Promise<ReceivedMessage | undefined> {
    const found = this.#received.find(match);
    if (found !== undefined) return found;
    return new Promise((resolve) => {
      const finish = (message: ReceivedMessage | undefined): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(message);
      };
      const wake = (): void => {
        const message = this.#received.find(match);
        if (message !== undefined) finish(message);
      };
      const timer = setTimeout(() => finish(undefined), waitMs);
      this.#waiters.add(wake);
    });
  }

  /** End the connection; never throws and never waits longer than the timeout */
  async close(): Promise<void> {
    for (const wake of this.#waiters) wake();
    await closeClient(this.#client, this.#timeoutMs);
  }
}

export async function openSession(endpoint: BrokerEndpoint, login: Login): Promise<ConnectOutcome> {
  const options: IClientOptions = {
    protocol: endpoint.ca === undefined ? "mqtt" : "mqtts",
    host: endpoint.host,
    port: endpoint.port,
    clientId: login.clientId,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: endpoint.timeoutMs,
    keepalive: 30,
    ...(login.username !== undefined ? { username: login.username } : {}),
    ...(login.password !== undefined ? { password: login.password.reveal() } : {}),
    ...(endpoint.ca !== undefined ? { ca: endpoint.ca, rejectUnauthorized: true } : {}),
  };
  const client = connect(options);
  const outcome = await new Promise<ConnectOutcome>((resolve) => {
    const finish = (result: ConnectOutcome): void => {
      clearTimeout(timer);
      client.off("connect", onConnect);
      client.off("error", onError);
      client.off("close", onClose);
      resolve(result);
    };
    const onConnect = (): void => finish({ kind: "connected", session: new Session(client, endpoint.timeoutMs) });
    const onError = (error: Error & { code?: unknown }): void => {
      // MQTT.js reports a CONNACK refusal as an error with the numeric return code; socket errors carry string codes
      if (typeof error.code === "number") finish({ kind: "refused", code: error.code, reason: error.message });
      else finish({ kind: "failed", reason: error.message });
    };
    const onClose = (): void => finish({ kind: "failed", reason: "the broker closed the connection before answering" });
    const timer = setTimeout(() => finish({ kind: "failed", reason: `no answer within ${seconds(endpoint.timeoutMs)}` }), endpoint.timeoutMs);
    client.on("connect", onConnect);
    client.on("error", onError);
    client.on("close", onClose);
  });
  if (outcome.kind !== "connected") {
    // a client that will not be used: swallow its late errors and release its socket
    client.on("error", () => {});
    await closeClient(client, endpoint.timeoutMs);
  }
  return outcome;
}

async function closeClient(client: MqttClient, timeoutMs: number): Promise<void> {
  try {
    await bounded(client.endAsync(true), timeoutMs, "closing the connection");
  } catch {
    // ending is best effort: a dead socket is released by end(true) regardless
  }
}

/** A promise that rejects after `ms` with "timed out <what>", clearing its timer either way */
export async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${seconds(ms)} ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
