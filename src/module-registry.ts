/**
 * The registry of built-in modules: one line per module file. It sits above
 * modules/ (the general modules) and mosquitto/ (the broker's), which know
 * nothing of each other's registration.
 */
import type { Module } from "./modules/types.js";
import { aptModule, dnfModule, packageModule, yumModule } from "./modules/package.js";
import { serviceModule } from "./modules/service.js";
import { userModule } from "./modules/user.js";
import { groupModule } from "./modules/group.js";
import { templateModule } from "./modules/template.js";
import { copyModule } from "./modules/copy.js";
import { fileModule } from "./modules/file.js";
import { lineinfileModule } from "./modules/lineinfile.js";
import { statModule } from "./modules/stat.js";
import { commandModule, shellModule } from "./modules/command.js";
import { waitForModule } from "./modules/wait_for.js";
import { debugModule } from "./modules/debug.js";
import { setFactModule } from "./modules/set_fact.js";
import { assertModule } from "./modules/assert.js";
import { failModule } from "./modules/fail.js";
import { mqttCheckModule } from "./mosquitto/mqtt-check-module.js";
import { gitModule } from "./modules/git.js";
import { hostnameModule } from "./modules/hostname.js";
import { mosquittoBrokerModule } from "./mosquitto/broker-module.js";

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
  hostnameModule,
];

export function findModule(name: string): Module<unknown> | undefined {
  const shortName = name.replace(/^ansible\.(builtin|posix)\./, "");
  return builtinModules.find((module) => module.name === shortName || module.aliases?.includes(shortName));
}

export function moduleNames(): string[] {
  return builtinModules.flatMap((module) => [module.name, ...(module.aliases ?? [])]).sort();
}
