/**
 * playbooks/kafka-connect.yml against a host with a stand-in Kafka config directory (Kafka itself
 * is not installed, by the playbook or here): mqtt.properties gets the exact bytes and mode 0640,
 * the standalone worker's converter lines are replaced and every other line kept, a second run
 * changes nothing, check mode predicts a change exactly, and the password never reaches output.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quoteWord } from "../../src/connection/quote.js";
import { useFleet } from "../fleet/use-fleet.js";
import { changedTasks, parseJson, tsible } from "./helpers/run-tsible.js";

const playbook = path.resolve("playbooks/kafka-connect.yml");
const fleet = useFleet();
const host = fleet.host(0);
const kafkaHome = "/opt/kafka-connect-test";
const password = "kafka mqtt pass = 'x'";
let dir: string;

// connect-standalone.properties as Kafka 3.x ships it (comments shortened)
const workerConfig = [
  "# These are defined in the test for the standalone worker",
  "bootstrap.servers=localhost:9092",
  "",
  "# The converters specify the format of data in Kafka and how to translate it into Connect data.",
  "key.converter=org.apache.kafka.connect.json.JsonConverter",
  "value.converter=org.apache.kafka.connect.json.JsonConverter",
  "key.converter.schemas.enable=true",
  "value.converter.schemas.enable=true",
  "",
  "offset.storage.file.filename=/tmp/connect.offsets",
  "offset.flush.interval.ms=10000",
  "#plugin.path=",
  "",
].join("\n");

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tsible-kafka-"));
  await writeFile(
    path.join(dir, "hosts"),
    [
      "[kafka_connect]",
      `${host.name} ansible_host=${host.address} ansible_user=deploy ansible_ssh_private_key_file=${fleet.keyFile}`,
      "",
      "[kafka_connect:vars]",
      `kafka_home=${kafkaHome}`,
      "kafka_topic=hello-mqtt-kafka",
      "kafka_mqtt_topic=hello-mqtt",
      "mqtt_broker_host=localhost",
      "mqtt_broker_port=20200",
      "mqtt_username=mosquitto",
      "",
    ].join("\n"),
  );
  // a password with spaces, = and quotes: in a YAML file, where it stays one string
  await writeFile(path.join(dir, "secrets.yml"), `mqtt_password: ${JSON.stringify(password)}\n`);
  const make = `rm -rf ${kafkaHome} && mkdir -p ${kafkaHome}/config && printf '%s' ${quoteWord(workerConfig)} > ${kafkaHome}/config/connect-standalone.properties`;
  const made = await fleet.sshRun(host, make);
  expect(made.exitCode, made.stderr).toBe(0);
});

afterAll(async () => {
  await fleet.sshRun(host, `rm -rf ${kafkaHome}`);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const play = (...extra: string[]) =>
  tsible(["play", playbook, "-i", path.join(dir, "hosts"), "-e", `@${path.join(dir, "secrets.yml")}`, "--known-hosts", fleet.knownHostsFile, "--json", ...extra]);

async function remote(command: string): Promise<string> {
  const result = await fleet.sshRun(host, command);
  if (result.exitCode !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  return result.stdout;
}

const connectorFile = (kafkaTopic: string) =>
  [
    `# Managed by tsible for ${host.name}: local edits are overwritten.`,
    `# MQTT source connector: MQTT topic hello-mqtt on tcp://localhost:20200 -> Kafka topic ${kafkaTopic}.`,
    `# Run: ${kafkaHome}/bin/connect-standalone.sh ${kafkaHome}/config/connect-standalone.properties ${kafkaHome}/config/mqtt.properties`,
    "name=mqtt",
    "connector.class=com.evokly.kafka.connect.mqtt.MqttSourceConnector",
    "tasks.max=1",
    `kafka.topic=${kafkaTopic}`,
    "mqtt.client_id=mqtt-kafka",
    "mqtt.clean_session=true",
    "mqtt.connection_timeout=30",
    "mqtt.keep_alive_interval=60",
    "mqtt.server_uris=tcp://localhost:20200",
    "mqtt.topic=hello-mqtt",
    "mqtt.qos=1",
    "mqtt.user=mosquitto",
    `mqtt.password=${password}`,
    "message_processor_class=com.evokly.kafka.connect.mqtt.sample.DumbProcessor",
    "",
  ].join("\n");

describe("the Kafka Connect MQTT source playbook", () => {
  it("writes the connector and the worker's converters, keeping the worker's other lines", async () => {
    const run = await play();
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(password);
    expect(changedTasks(parseJson(run))).toEqual([
      `kafka_connect : Converters of the standalone worker @ ${host.name}`,
      `kafka_connect : MQTT source connector (mqtt.properties) @ ${host.name}`,
    ]);
    expect(await remote(`cat ${kafkaHome}/config/mqtt.properties`)).toBe(connectorFile("hello-mqtt-kafka"));
    expect(await remote(`stat -c '%U:%G %a' ${kafkaHome}/config/mqtt.properties ${kafkaHome}/config/connect-standalone.properties`)).toBe(
      "root:root 640\nroot:root 644\n",
    );
    expect(await remote(`cat ${kafkaHome}/config/connect-standalone.properties`)).toBe(
      workerConfig
        .replace("key.converter=org.apache.kafka.connect.json.JsonConverter", "key.converter=org.apache.kafka.connect.storage.StringConverter")
        .replace("value.converter=org.apache.kafka.connect.json.JsonConverter", "value.converter=org.apache.kafka.connect.converters.ByteArrayConverter"),
    );
  });

  it("changes nothing on the second run", async () => {
    const run = await play();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(changedTasks(parseJson(run))).toEqual([]);
  });

  it("predicts a Kafka topic change in check mode, shows it masked, then makes exactly that change", async () => {
    const before = await remote(`sha256sum ${kafkaHome}/config/*`);
    const check = await play("--check", "--diff", "-e", "kafka_topic=mqtt-events");
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).not.toContain(password);
    const predicted = parseJson(check);
    expect(changedTasks(predicted)).toEqual([`kafka_connect : MQTT source connector (mqtt.properties) @ ${host.name}`]);
    const task = predicted.plays[0]!.tasks.find((entry) => entry.task.name === "kafka_connect : MQTT source connector (mqtt.properties)")!;
    const diff = task.hosts[host.name]!.diff[0]!;
    expect(diff.after).toContain("kafka.topic=mqtt-events\n");
    expect(diff.after).toContain("mqtt.password=********\n");
    expect(await remote(`sha256sum ${kafkaHome}/config/*`)).toBe(before);

    const real = await play("-e", "kafka_topic=mqtt-events");
    expect(real.exitCode, real.stderr).toBe(0);
    expect(changedTasks(parseJson(real))).toEqual(changedTasks(predicted));
    expect(await remote(`cat ${kafkaHome}/config/mqtt.properties`)).toBe(connectorFile("mqtt-events"));
  });

  it("fails, naming the file, when Kafka is not there", async () => {
    const run = await play("-e", "kafka_home=/opt/no-kafka-here");
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toContain("/opt/no-kafka-here/config/connect-standalone.properties does not exist: install Kafka first");
    expect(await remote("ls /opt/no-kafka-here 2>&1 || true")).toContain("No such file");
  });
});
