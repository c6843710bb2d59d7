/**
 * wait_for: wait on the target until a TCP port opens or closes, or a file
 * appears (optionally containing a pattern) or disappears. The loop runs ON
 * the host, in bash (its /dev/tcp opens the connection), because a port may be
 * reachable from the host only. It only reads, so it runs in plan() and also
 * waits in check mode, as Ansible's does. `search_regex` is a POSIX extended
 * regular expression (grep -E), not Python's `re`.
 */
import * as z from "zod";
import { defineModule, ModuleFailure } from "./types.js";
import { pathInfo } from "./files/file-write.js";

const seconds = z.coerce.number().nonnegative();

const waitForArgs = z
  .object({
    host: z.string().min(1).default("127.0.0.1"),
    port: z.coerce.number().int().min(1).max(65535).optional(),
    path: z.string().min(1).optional(),
    state: z.enum(["started", "stopped", "present", "absent"]).default("started"),
    timeout: seconds.default(300),
    delay: seconds.default(0),
    sleep: seconds.default(1),
    connect_timeout: seconds.default(5),
    search_regex: z.string().min(1).optional(),
    msg: z.string().optional(),
  })
  .strict()
  .refine((args) => args.port === undefined || args.path === undefined, { message: "port and path are mutually exclusive" })
  .refine((args) => args.search_regex === undefined || (args.state !== "stopped" && args.state !== "absent"), {
    message: "search_regex works with state started or present only",
  });

/*
 * $1 host, $2 port, $3 path, $4 state, $5 timeout, $6 delay, $7 sleep,
 * $8 search regex, $9 connect timeout. Prints "elapsed=N"; exit 0 when the
 * state was reached, 3 on timeout.
 */
const WAIT_SCRIPT = `
host=$1 port=$2 path=$3 state=$4 limit=$5 delay=$6 pause=$7 regex=$8 ctimeout=$9
start=$SECONDS
finish() { echo "elapsed=$((SECONDS - start))"; exit "$1"; }
if [ -z "$port" ] && [ -z "$path" ]; then sleep "$limit"; finish 0; fi
sleep "$delay"
deadline=$((start + \${limit%.*}))
check() {
  if [ -n "$port" ]; then
    if [ -n "$regex" ]; then
      timeout "$ctimeout" bash -c 'exec 3<>"/dev/tcp/$1/$2" && grep -Eq -- "$3" <&3' check "$host" "$port" "$regex" 2>/dev/null
    else
      timeout "$ctimeout" bash -c 'exec 3<>"/dev/tcp/$1/$2"' check "$host" "$port" 2>/dev/null
    fi
  elif [ -n "$regex" ]; then
    grep -Eq -- "$regex" "$path" 2>/dev/null
  else
    [ -e "$path" ]
  fi
}
while :; do
  if check; then up=1; else up=0; fi
  case $state in
    started|present) [ "$up" = 1 ] && finish 0 ;;
    *) [ "$up" = 0 ] && finish 0 ;;
  esac
  [ "$SECONDS" -ge "$deadline" ] && finish 3
  sleep "$pause"
done
`;

export const waitForModule = defineModule({
  name: "wait_for",
  args: waitForArgs,
  async plan(ctx, args) {
    const argv = [
      "bash",
      "-c",
      WAIT_SCRIPT,
      "wait_for",
      args.host,
      args.port === undefined ? "" : String(args.port),
      args.path ?? "",
      args.state,
      String(args.timeout),
      String(args.delay),
      String(args.sleep),
      args.search_regex ?? "",
      String(args.connect_timeout),
    ];
    const result = await ctx.host.run(argv);
    const elapsed = Number(/elapsed=(\d+)/.exec(result.stdout)?.[1] ?? NaN);
    // Ansible registers port, path and search_regex as null when not given; the match's groups only
    // when there is no search_regex (tsible does not bring the matched text back)
    const fields = {
      elapsed,
      state: args.state,
      port: args.port ?? null,
      path: args.path ?? null,
      search_regex: args.search_regex ?? null,
      ...(args.search_regex === undefined ? { match_groups: [], match_groupdict: {} } : {}),
    };
    if (result.exitCode === 3) throw new ModuleFailure(args.msg ?? timeoutMessage(args), fields);
    if (result.exitCode !== 0) {
      throw new ModuleFailure(`wait_for could not run on the host: ${result.stderr.trim() || `exit code ${result.exitCode}`}`, {
        ...fields,
        rc: result.exitCode,
        stderr: result.stderr,
      });
    }
    // Ansible adds the path's info (owner, mode, size, and its `state` as file or directory) to any result naming one
    const info = args.path !== undefined ? pathInfo(await ctx.host.probePath({ path: args.path })) : {};
    return { changes: [], result: { ...fields, ...info } };
  },
});

function timeoutMessage(args: z.output<typeof waitForArgs>): string {
  const stopping = args.state === "stopped" || args.state === "absent";
  if (args.port !== undefined) {
    const target = `${args.host}:${args.port}`;
    if (stopping) return `Timeout when waiting for ${target} to stop.`;
    if (args.search_regex !== undefined) return `Timeout when waiting for search string ${args.search_regex} in ${target}`;
    return `Timeout when waiting for ${target}`;
  }
  if (stopping) return `Timeout when waiting for ${args.path} to be absent.`;
  if (args.search_regex !== undefined) return `Timeout when waiting for search string ${args.search_regex} in ${args.path}`;
  return `Timeout when waiting for file ${args.path}`;
}
