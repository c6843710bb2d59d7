/**
 * The `git` module (a subset of Ansible's): a checkout of `repo` at `version`
 * (a branch, a tag, a full commit id, or HEAD) in `dest`.
 *
 * The plan only reads: one probe of dest (`git -C dest rev-parse HEAD`, its
 * branch, origin URL and local modifications) and `git ls-remote repo version`
 * for the commit the remote names now. From those it plans "clone", "update
 * a -> b", "discard local modifications" or nothing, so check mode predicts
 * the real run. Like Ansible, the commands run ON THE HOST: the host must
 * reach `repo` and have git installed (install it with the package module).
 *
 * Results: `before` (null for a fresh clone), `after`, and `remote_url_changed`.
 */
import * as z from "zod";
import { shellScript } from "../connection/quote.js";
import { absolutePath, ansibleBool, nonNegativeInt } from "./system-args.js";
import type { Change, ModuleContext, Plan } from "./types.js";
import { defineModule, ModuleFailure } from "./types.js";

/** A value that git could read as an option must not start with "-" */
const notAnOption = (what: string) => z.string().min(1).refine((value) => !value.startsWith("-"), { message: `${what} must not start with "-"` });

export const gitArgs = z.strictObject({
  repo: notAnOption("repo"),
  dest: absolutePath("dest"),
  version: notAnOption("version").default("HEAD"),
  force: ansibleBool.default(false),
  update: ansibleBool.default(true),
  depth: nonNegativeInt.refine((depth) => depth >= 1, { message: "depth must be 1 or more" }).optional(),
});

export type GitArgs = z.output<typeof gitArgs>;

// ---------------------------------------------------------------- probing dest

export type DestState =
  | { kind: "nogit" }
  | { kind: "absent" }
  | { kind: "empty" }
  | { kind: "notdir" }
  | { kind: "notrepo" }
  | { kind: "error"; message: string }
  | { kind: "repo"; head: string; branch: string | undefined; originUrl: string | undefined; dirty: boolean };

/*
 * One round trip. dest counts as a checkout when dest/.git exists (as in
 * Ansible), so a dest inside some other repository is not mistaken for one.
 * Local modifications are tracked files only: untracked files (__pycache__)
 * are no reason to refuse an update.
 */
const PROBE_SCRIPT = `
command -v git >/dev/null 2>&1 || { echo nogit; exit 0; }
d=$1
if [ ! -e "$d" ] && [ ! -L "$d" ]; then echo absent; exit 0; fi
if [ ! -d "$d" ]; then echo notdir; exit 0; fi
if [ -z "$(ls -A -- "$d")" ]; then echo empty; exit 0; fi
if [ ! -e "$d/.git" ]; then echo notrepo; exit 0; fi
head=$(git -C "$d" rev-parse --verify HEAD 2>&1) || { printf 'error=%s\\n' "$head" | head -n 3; exit 0; }
echo repo
printf 'head=%s\\n' "$head"
branch=$(git -C "$d" symbolic-ref -q --short HEAD) && printf 'branch=%s\\n' "$branch"
url=$(git -C "$d" config --get remote.origin.url) && printf 'url=%s\\n' "$url"
mods=$(git -C "$d" status --porcelain --untracked-files=no 2>&1) || { printf 'error=%s\\n' "$mods" | head -n 3; exit 0; }
if [ -n "$mods" ]; then echo dirty; fi
`;

export function parseDestProbe(stdout: string): DestState {
  const lines = stdout.split("\n").filter((line) => line !== "");
  const first = lines[0] ?? "";
  if (first.startsWith("error=")) return { kind: "error", message: lines.join("\n").slice("error=".length) };
  if (first === "nogit" || first === "absent" || first === "empty" || first === "notdir" || first === "notrepo") return { kind: first };
  if (first !== "repo") throw new ModuleFailure(`unexpected git probe output: ${JSON.stringify(stdout)}`);
  const value = (key: string): string | undefined => lines.find((line) => line.startsWith(`${key}=`))?.slice(key.length + 1);
  const errorLine = lines.findIndex((line) => line.startsWith("error="));
  if (errorLine !== -1) return { kind: "error", message: lines.slice(errorLine).join("\n").slice("error=".length) };
  return { kind: "repo", head: value("head") ?? "", branch: value("branch"), originUrl: value("url"), dirty: lines.includes("dirty") };
}

// ---------------------------------------------------------------- the remote's commit

export type VersionKind = "head" | "branch" | "tag" | "commit";

export interface RemoteTarget {
  kind: VersionKind;
  /** the commit dest should be at */
  commit: string;
  /** the ref to fetch (refs/heads/main, refs/tags/v1, HEAD); undefined for a commit id */
  ref?: string | undefined;
  /** branch or tag name, for clone --branch and checkout -B */
  name?: string | undefined;
}

const FULL_COMMIT = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/** A full commit id is its own target; anything else is looked up with ls-remote */
export function isFullCommit(version: string): boolean {
  return FULL_COMMIT.test(version);
}

/**
 * Pick the ref `version` names from `git ls-remote repo version` output. ls-remote
 * matches patterns by their tail (version "main" also matches refs/heads/x/main),
 * so only exact names count: HEAD, refs/heads/V, then refs/tags/V (the peeled
 * commit of an annotated tag, "V^{}", before the tag object), or a full ref name.
 */
export function resolveRemoteRef(lsRemote: string, version: string): RemoteTarget | undefined {
  const refs = new Map<string, string>();
  for (const line of lsRemote.split("\n")) {
    const [commit, ref] = line.split("\t");
    if (commit && ref) refs.set(ref, commit);
  }
  if (version === "HEAD") {
    const commit = refs.get("HEAD");
    return commit === undefined ? undefined : { kind: "head", commit, ref: "HEAD" };
  }
  const full = version.startsWith("refs/");
  const branch = full ? (version.startsWith("refs/heads/") ? version : undefined) : `refs/heads/${version}`;
  const tag = full ? (version.startsWith("refs/tags/") ? version : undefined) : `refs/tags/${version}`;
  if (branch !== undefined) {
    const commit = refs.get(branch);
    if (commit !== undefined) return { kind: "branch", commit, ref: branch, name: branch.slice("refs/heads/".length) };
  }
  if (tag !== undefined) {
    const commit = refs.get(`${tag}^{}`) ?? refs.get(tag);
    if (commit !== undefined) return { kind: "tag", commit, ref: tag, name: tag.slice("refs/tags/".length) };
  }
  return undefined;
}

// ---------------------------------------------------------------- command lines

/** Never wait for a password prompt: a repo that needs credentials fails at once */
const GIT_ENV = { GIT_TERMINAL_PROMPT: "0" };

export function cloneArgv(repo: string, dest: string, target: RemoteTarget, depth: number | undefined): string[] {
  // a bare commit may be anywhere in the history: clone all of it
  const shallow = depth !== undefined && target.kind !== "commit" ? ["--depth", String(depth)] : [];
  const branch = target.kind === "branch" || target.kind === "tag" ? ["--branch", target.name ?? ""] : [];
  return ["git", "clone", "--quiet", ...shallow, ...branch, "--", repo, dest];
}

/** Fetch what the target needs from origin; a commit id needs every branch and tag */
export function fetchArgv(dest: string, target: RemoteTarget, depth: number | undefined): string[] {
  const shallow = depth !== undefined && target.kind !== "commit" ? ["--depth", String(depth)] : [];
  const base = ["git", "-C", dest, "fetch", "--quiet", "--force", ...shallow, "origin"];
  switch (target.kind) {
    case "branch":
      return [...base, `+${target.ref}:refs/remotes/origin/${target.name}`];
    case "tag":
      return [...base, `+${target.ref}:${target.ref}`];
    case "head":
      return [...base, "HEAD"];
    case "commit":
      return [...base, "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"];
  }
}

/**
 * Move dest to the target commit, discarding tracked changes: a branch stays a
 * branch (reset to the commit), HEAD keeps the current branch when there is
 * one, tags and commits are checked out detached, as with Ansible.
 */
export function checkoutArgv(dest: string, target: RemoteTarget, currentBranch: string | undefined): string[] {
  const base = ["git", "-C", dest, "checkout", "--quiet", "--force"];
  if (target.kind === "branch") return [...base, "-B", target.name ?? "", target.commit];
  if (target.kind === "head" && currentBranch !== undefined) return [...base, "-B", currentBranch, target.commit];
  return [...base, "--detach", target.commit];
}

/** A URL's password is not for messages: https://user:pw@host -> https://user:********@host */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, "$1:********@");
}

function urlSecrets(url: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]*)@/i.exec(url);
  return match?.[1] ? [match[1]] : [];
}

const short = (commit: string): string => commit.slice(0, 12);

// ---------------------------------------------------------------- the module

interface GitRunner {
  /** run git (or the probe); a non-zero exit is a ModuleFailure naming `what` */
  checked(argv: string[], what: string): Promise<string>;
}

function gitRunner(ctx: ModuleContext, repo: string): GitRunner {
  return {
    checked: (argv, what) => ctx.host.runChecked(argv, { what, env: GIT_ENV, secrets: urlSecrets(repo) }),
  };
}

async function remoteTarget(git: GitRunner, args: GitArgs): Promise<RemoteTarget> {
  if (isFullCommit(args.version)) return { kind: "commit", commit: args.version };
  // ls-remote lists an annotated tag's commit ("v1^{}") only when asked for it by name
  const patterns = [args.version, `${args.version}^{}`];
  const output = await git.checked(["git", "ls-remote", args.repo, ...patterns], `git ls-remote ${displayUrl(args.repo)} ${args.version}`);
  const target = resolveRemoteRef(output, args.version);
  if (target !== undefined) return target;
  const hint = /^[0-9a-f]{4,39}$/.test(args.version) ? " (an abbreviated commit id cannot be looked up remotely: give all 40 characters)" : "";
  throw new ModuleFailure(`version '${args.version}' is no branch or tag of ${displayUrl(args.repo)}${hint}`);
}

async function verifiedHead(git: GitRunner, dest: string, target: RemoteTarget): Promise<string> {
  const head = (await git.checked(["git", "-C", dest, "rev-parse", "--verify", "HEAD"], `reading the commit of ${dest}`)).trim();
  if (head !== target.commit) {
    // the remote moved between the plan and now: say what was checked out rather than pretend
    throw new ModuleFailure(`${dest} is at ${head} after the update, not at the planned ${target.commit} (did the remote change meanwhile?)`, {
      after: head,
    });
  }
  return head;
}

export const gitModule = defineModule({
  name: "git",
  args: gitArgs,
  async plan(ctx, args): Promise<Plan> {
    const git = gitRunner(ctx, args.repo);
    const dest = await git.checked(shellScript(PROBE_SCRIPT, [args.dest]), `inspecting ${args.dest}`).then(parseDestProbe);
    switch (dest.kind) {
      case "nogit":
        throw new ModuleFailure(`git is not installed on ${ctx.host.name}: install it first (package: name=git)`);
      case "notdir":
        throw new ModuleFailure(`dest ${args.dest} exists and is not a directory`);
      case "notrepo":
        throw new ModuleFailure(`dest ${args.dest} exists, is not empty and is not a git checkout (no ${args.dest}/.git): move it away or choose another dest`);
      case "error":
        throw new ModuleFailure(`git cannot read the checkout in ${args.dest}: ${dest.message}`);
      default:
    }

    if (dest.kind === "repo" && !args.update) {
      return { changes: [], result: { before: dest.head, after: dest.head, remote_url_changed: false } };
    }
    const target = await remoteTarget(git, args);
    const shown = displayUrl(args.repo);

    if (dest.kind === "absent" || dest.kind === "empty") {
      const changes: Change[] = [
        {
          description: `clone ${shown} into ${args.dest} at ${args.version} (${short(target.commit)})`,
          apply: async () => {
            await git.checked(cloneArgv(args.repo, args.dest, target, args.depth), `git clone ${shown}`);
            if (target.kind === "commit") await git.checked(checkoutArgv(args.dest, target, undefined), `git checkout ${target.commit}`);
            return { after: await verifiedHead(git, args.dest, target) };
          },
        },
      ];
      return { changes, result: { before: null, after: target.commit, remote_url_changed: false } };
    }

    const changes: Change[] = [];
    if (dest.dirty && !args.force) {
      throw new ModuleFailure(`Local modifications exist in the checkout in ${args.dest}: set force: true to discard them`, { before: dest.head });
    }
    const urlChanged = dest.originUrl !== args.repo;
    if (urlChanged) {
      const verb = dest.originUrl === undefined ? "add" : "set-url";
      changes.push({
        description: `point origin of ${args.dest} at ${shown}${dest.originUrl === undefined ? "" : ` (was ${displayUrl(dest.originUrl)})`}`,
        apply: async () => {
          await git.checked(["git", "-C", args.dest, "remote", verb, "origin", args.repo], `git remote ${verb} origin`);
        },
      });
    }
    const moves = dest.head !== target.commit;
    if (moves || dest.dirty) {
      const what = moves ? `update ${args.dest}: ${short(dest.head)} -> ${short(target.commit)} (${args.version})` : `discard local modifications in ${args.dest}`;
      changes.push({
        description: moves && dest.dirty ? `${what}, discarding local modifications` : what,
        apply: async () => {
          if (moves) await git.checked(fetchArgv(args.dest, target, args.depth), `git fetch ${shown} ${args.version}`);
          await git.checked(checkoutArgv(args.dest, target, dest.branch), `git checkout ${short(target.commit)} in ${args.dest}`);
          return { after: await verifiedHead(git, args.dest, target) };
        },
      });
    }
    return { changes, result: { before: dest.head, after: target.commit, remote_url_changed: urlChanged } };
  },
});
