/**
 * Which credentials to offer, in OpenSSH's order: key files, then ssh-agent,
 * then password (also answered through keyboard-interactive, for servers that
 * only allow that). Also the words that say what was tried when all failed.
 */
import { existsSync, readFileSync } from "node:fs";
import ssh2, { type AnyAuthMethod, type AuthenticationType, type AuthHandlerMiddleware } from "ssh2";
import { TsibleError } from "../errors.js";
import type { SshTarget } from "./ssh-target.js";

export interface AuthPlan {
  methods: AnyAuthMethod[];
  /** e.g. "key /root/.ssh/id_ed25519", "ssh-agent", "password" */
  tried: string[];
  /** problems found before connecting (unreadable or encrypted key files) */
  notes: string[];
}

/** A key file that cannot be used: the host cannot be logged into as configured */
export class AuthSetupError extends TsibleError {
  constructor(message: string) {
    super(message, { kind: "unreachable" });
    this.name = "AuthSetupError";
  }
}

export function planAuth(target: SshTarget, agentSocket: string | undefined): AuthPlan {
  const plan: AuthPlan = { methods: [], tried: [], notes: [] };
  const username = target.user;
  for (const file of target.keyFiles) {
    if (!existsSync(file)) {
      if (target.keyFileRequired) throw new AuthSetupError(`private key file ${file} does not exist`);
      continue;
    }
    let parsed;
    try {
      parsed = ssh2.utils.parseKey(readFileSync(file));
    } catch (error) {
      throw new AuthSetupError(`cannot read private key file ${file}: ${(error as Error).message}`);
    }
    if (parsed instanceof Error) {
      const why = /passphrase/i.test(parsed.message) ? "is encrypted (tsible cannot ask for a passphrase: load it into ssh-agent)" : `is not a usable key (${parsed.message})`;
      if (target.keyFileRequired) throw new AuthSetupError(`private key file ${file} ${why}`);
      plan.notes.push(`skipped key ${file}: it ${why}`);
      continue;
    }
    plan.methods.push({ type: "publickey", username, key: readFileSync(file) });
    plan.tried.push(`key ${file}`);
  }
  if (agentSocket !== undefined && agentSocket !== "" && existsSync(agentSocket)) {
    plan.methods.push({ type: "agent", username, agent: agentSocket });
    plan.tried.push("ssh-agent");
  }
  if (target.password !== undefined) {
    const password = target.password;
    plan.methods.push({ type: "password", username, password });
    plan.methods.push({
      type: "keyboard-interactive",
      username,
      prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)),
    });
    plan.tried.push("password");
  }
  return plan;
}

/** The server's method name for each of ours ("agent" is publickey on the wire) */
function serverMethod(method: AnyAuthMethod): AuthenticationType {
  return method.type === "agent" ? "publickey" : method.type;
}

/** ssh2 authHandler walking the plan, skipping what the server no longer allows */
export function authHandler(plan: AuthPlan): AuthHandlerMiddleware {
  const remaining = [...plan.methods];
  return (methodsLeft, _partialSuccess, next) => {
    while (remaining.length > 0) {
      const method = remaining.shift();
      if (method === undefined) break;
      if (methodsLeft === null || methodsLeft === undefined || methodsLeft.includes(serverMethod(method))) {
        next(method);
        return;
      }
    }
    // ssh2's typings omit it, but `false` is how the handler says "nothing left to try"
    (next as unknown as (method: false) => void)(false);
  };
}

/** "with key /x/id (also tried ssh-agent, password)" */
export function describeTried(plan: AuthPlan): string {
  const [first, ...rest] = plan.tried;
  if (first === undefined) return "with no credentials (no key file, no ssh-agent, no password)";
  return `with ${first}${rest.length > 0 ? ` (also tried ${rest.join(", ")})` : ""}`;
}
