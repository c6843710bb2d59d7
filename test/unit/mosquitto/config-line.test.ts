/**
 * Values that would break a mosquitto config line are refused before anything is written: the
 * rule itself, the templates that apply it to every value they write, and user names.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { brokerArgs } from "../../../src/mosquitto/broker-args.js";
import { configLineProblem } from "../../../src/mosquitto/config-line.js";
import { renderText } from "../../../src/vars/template.js";

const rule = { valueRule: configLineProblem };

function renderError(template: string, vars: Record<string, unknown>, file = "acl.hbs"): UserError {
  try {
    renderText(template, vars, { file, task: "Broker configuration" }, rule);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error("expected a UserError");
}

describe("what a mosquitto config line cannot carry", () => {
  it("names line breaks, NUL and control characters; tabs, spaces, quotes and unicode are fine", () => {
    expect(configLineProblem("x\ntopic readwrite #")).toBe("a line break");
    expect(configLineProblem("x\r")).toBe("a line break");
    expect(configLineProblem("a\0b")).toBe("a NUL byte");
    expect(configLineProblem("bell\u0007")).toBe("a control character (U+0007)");
    expect(configLineProblem("del\u007f")).toBe("a control character (U+007F)");
    for (const fine of ["sensors/+/temp", "pass with spaces & 'quotes' \"too\"", "tab\there", "capteur/température", "#", ""]) {
      expect(configLineProblem(fine), fine).toBeUndefined();
    }
  });
});

describe("templates rendered for a mosquitto config", () => {
  it("refuse the issue's ACL topic with a newline, naming the variable, the list item and the template line", async () => {
    const acl = await readFile("templates/acl.hbs", "utf8");
    const error = renderError(acl, {
      inventory_hostname: "b1",
      mqtt_username: "smc",
      mqtt_acl: [
        { user: "smc", topic: "#", access: "readwrite" },
        { user: "sensor", topic: "x\ntopic readwrite #", access: "read" },
      ],
    });
    expect(error.message).toBe('the value of this.topic (item 2 of the list) holds a line break, which this file cannot carry in task "Broker configuration"');
    expect(error.location).toEqual({ file: "acl.hbs", line: 11 });
    expect(error.hint).toMatch(/nothing was written/);
  });

  it("refuse a bridge field, and never print the value (it may be a password)", async () => {
    const bridges = await readFile("templates/bridge.conf.hbs", "utf8");
    const error = renderError(
      bridges,
      { inventory_hostname: "pi", mqtt_bridges: [{ name: "cloud", address: "h:1", remote_username: "u", remote_password: "s3cret\nconnection evil", topics: [] }] },
      "bridge.conf.hbs",
    );
    expect(error.message).toMatch(/^the value of this\.remote_password \(item 1 of the list\) holds a line break/);
    expect(error.format()).not.toContain("s3cret");
  });

  it("refuse a plain variable in the main config, and leave the template's own lines alone", () => {
    const error = renderError("listener {{port}}\n{{#if addr}}bind_address {{addr}}\n{{/if}}", { port: 20200, addr: "0.0.0.0\nallow_anonymous true" }, "mosquitto.conf.hbs");
    expect(error.message).toMatch(/^the value of addr holds a line break/);
    expect(error.location?.line).toBe(2);
    expect(renderText("listener {{port}}\n\nallow_anonymous false\n", { port: 1 }, { file: "m.conf" }, rule)).toBe("listener 1\n\nallow_anonymous false\n");
  });

  it("check values that reach the output through helpers too", () => {
    const error = renderError('user {{default name "smc"}}', { name: "a\nb" });
    expect(error.message).toMatch(/holds a line break/);
  });

  it("do not apply the rule where none is asked for (other templates may write multi-line values)", () => {
    expect(renderText("{{text}}", { text: "a\nb" }, { file: "motd.hbs" })).toBe("a\nb");
  });
});

describe("mosquitto_broker user names", () => {
  const withUser = (name: string) => brokerArgs.safeParse({ port: 1883, password_file: { path: "/etc/mosquitto/passwd", users: [{ name, password: "p" }] } });

  it("refuse a ':' (it ends the name in a password file line), a line break and an empty name", () => {
    expect(withUser("reader").success).toBe(true);
    const colon = withUser("a:b");
    expect(colon.success).toBe(false);
    expect(colon.error?.issues[0]?.message).toBe(`user name "a:b" holds a ':' (it ends the name in the password file), which a password file line cannot carry`);
    expect(withUser("a\nb").error?.issues[0]?.message).toMatch(/holds a line break/);
    expect(withUser("").error?.issues[0]?.message).toBe("a user name cannot be empty");
  });
});
