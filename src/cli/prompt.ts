/**
 * Questions whose answers must not show (vault passwords): asked on stderr, typed without echo
 * on a terminal. Without a terminal the answers are read as lines from stdin, so a script can
 * pipe them in. One reader serves every question of a command (lines already read stay queued).
 */
import { createInterface, type Interface } from "node:readline";
import { Writable } from "node:stream";
import { UserError } from "../errors.js";

export interface HiddenPrompt {
  ask(question: string): Promise<string>;
  /** lets the process exit (the reader holds stdin open) */
  close(): void;
}

export function hiddenPrompt(input: NodeJS.ReadableStream = process.stdin, errors: NodeJS.WritableStream = process.stderr): HiddenPrompt {
  let reader: { lines: AsyncIterator<string>; readline: Interface } | undefined;
  const terminal = Boolean((input as { isTTY?: boolean }).isTTY);
  return {
    async ask(question) {
      if (!reader) {
        // readline echoes what is typed to its output: a silent one hides the answer
        const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
        const readline = createInterface({ input, output: silent, terminal });
        reader = { readline, lines: readline[Symbol.asyncIterator]() };
      }
      errors.write(question);
      const next = await reader.lines.next();
      if (terminal) errors.write("\n");
      if (next.done) throw new UserError(`no answer to '${question.trim()}': the input ended`, { hint: "type it at a terminal, or use --vault-password-file FILE" });
      return next.value;
    },
    close() {
      reader?.readline.close();
      reader = undefined;
    },
  };
}
