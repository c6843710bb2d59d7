/** The registry of built-in modules: one line per module file. */
import type { Module } from "./types.js";
import { aptModule, dnfModule, packageModule, yumModule } from "./package.js";
import { serviceModule } from "./service.js";
import { userModule } from "./user.js";
import { groupModule } from "./group.js";
import { templateModule } from "./template.js";
import { copyModule } from "./copy.js";
import { fileModule } from "./file.js";
import { lineinfileModule } from "./lineinfile.js";
import { statModule } from "./stat.js";
import { commandModule, shellModule } from "./command.js";
import { waitForModule } from "./wait_for.js";
import { debugModule } from "./debug.js";
import { setFactModule } from "./set_fact.js";
import { assertModule } from "./assert.js";
import { failModule } from "./fail.js";
import { mqttCheckModule } from "./mqtt_check.js";
import { gitModule } from "./git.js";
import { mosquittoBrokerModule } from "../mosquitto/broker-module.js";

export const builtinModules: readonly Module<unknown>[] = [
  // each module file adds itself here, one line each
  packageModule,
  aptModule,
  dnfModule,
  yumModule,
  serviceModule,
  userModule,
  groupModule,
  templateModule,
  copyModule,
  fileModule,
  lineinfileModule,
  statModule,
  commandModule,
  shellModule,
  waitForModule,
  debugModule,
  setFactModule,
  assertModule,
  failModule,
  mosquittoBrokerModule,
  mqttCheckModule,
  gitModule,
];

export function findModule(name: string): Module<unknown> | undefined {
  const shortName = name.replace(/^ansible\.(builtin|posix)\./, "");
  return builtinModules.find((module) => module.name === shortName || module.aliases?.includes(shortName));
}

export function moduleNames(): string[] {
  return builtinModules.flatMap((module) => [module.name, ...(module.aliases ?? [])]).sort();
}
