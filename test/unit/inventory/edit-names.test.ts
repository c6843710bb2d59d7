import { describe, expect, it } from "vitest";
import { checkBrokerHostName, dnsNameProblem } from "../../../src/inventory/edit-names.js";

describe("checkBrokerHostName", () => {
  it("accepts mqtt.<infra>.<group>.<domain> without warnings", () => {
    expect(checkBrokerHostName("mqtt.aws1.dev.example.com")).toEqual({ errors: [], warnings: [] });
    expect(checkBrokerHostName("mqtt.aws1.dev.example.com", "aws1")).toEqual({ errors: [], warnings: [] });
  });

  it("warns about names off the convention", () => {
    expect(checkBrokerHostName("broker.aws1.dev.example.com").warnings).toEqual([
      "'broker.aws1.dev.example.com' does not start with 'mqtt.': the team's brokers are named mqtt.<infra>.<group>.<domain>",
    ]);
    expect(checkBrokerHostName("mqtt.example.com").warnings).toEqual([
      "'mqtt.example.com' has 3 labels; the team's brokers are named mqtt.<infra>.<group>.<domain> (at least 4 labels)",
    ]);
    expect(checkBrokerHostName("mqtt.aws2.dev.example.com", "aws1").warnings).toEqual([
      "'mqtt.aws2.dev.example.com' names infra 'aws2', not 'aws1': expected mqtt.aws1.<group>.<domain>",
    ]);
  });

  it("refuses what is not a DNS host name", () => {
    expect(checkBrokerHostName("mqtt_1.aws.dev.example.com").errors).toEqual([
      "'mqtt_1.aws.dev.example.com' is not a valid DNS host name: the label 'mqtt_1' may hold only letters, digits and '-', and may not start or end with '-'",
    ]);
    expect(checkBrokerHostName("").errors).toHaveLength(1);
    expect(dnsNameProblem("a..b")).toMatch(/empty label/);
    expect(dnsNameProblem(`${"a".repeat(64)}.com`)).toMatch(/longer than 63/);
    expect(dnsNameProblem(`${"a.".repeat(127)}ab`)).toMatch(/longer than 253/);
    expect(dnsNameProblem("mqtt.example.com.")).toBeUndefined();
  });
});
