/** bench/results.json (every size measured so far) and bench/results.md rendered from it. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { median } from "./measure.js";

export type Tool = "tsible" | "ansible" | "ansibleWarm" | "floor";
export type ScenarioName = "first" | "noop" | "check";

export interface Sample {
  wallMs: number;
  maxRssKb: number;
  treePeakPssKb: number;
  exitCode: number;
  /** hosts the PLAY RECAP reports changed=0 / failed or unreachable */
  unchangedHosts: number;
  failedHosts: number;
  /** tsible only: open descriptors as the run started and ended, and the live event-loop resources left at its end */
  fdsAtStart?: number | undefined;
  fdsAtEnd?: number | undefined;
  liveAtEnd?: number | undefined;
}

export interface SizeResult {
  size: number;
  /** hosts worked on at once; the size itself unless --forks said less */
  forks?: number;
  date: string;
  samples: Record<ScenarioName, Partial<Record<Tool, Sample[]>>>;
  /** tsible's and Ansible's files compared on one host after each tool's first deploy */
  equivalence: string[];
  /** what each tool changed on hosts the other one had deployed */
  crossTool: string[];
  notes: string[];
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: string;
  kernel: string;
  node: string;
  ansible: string;
  openssh: string;
}

export interface ResultsFile {
  machine: Machine;
  sizes: Record<string, SizeResult>;
  /** `tsible --version`, median wall ms: the start-up every run pays */
  startupMs?: number | undefined;
}

export function loadResults(file: string, machine: Machine): ResultsFile {
  if (!existsSync(file)) return { machine, sizes: {} };
  const previous = JSON.parse(readFileSync(file, "utf8")) as ResultsFile;
  // numbers from another machine are not comparable: start over
  if (previous.machine.cpuModel !== machine.cpuModel || previous.machine.cpus !== machine.cpus) return { machine, sizes: {} };
  return { machine, sizes: previous.sizes };
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const mb = (kb: number) => (kb / 1024).toFixed(0);

function med(samples: Sample[] | undefined, pick: (sample: Sample) => number): number | undefined {
  return samples && samples.length > 0 ? median(samples.map(pick)) : undefined;
}

function cell(samples: Sample[] | undefined): string {
  if (!samples || samples.length === 0) return "-";
  const walls = samples.map((sample) => sample.wallMs);
  return `${seconds(median(walls))} (${seconds(Math.min(...walls))}-${seconds(Math.max(...walls))}, n=${walls.length})`;
}

function ratio(a: number | undefined, b: number | undefined, digits = 2): string {
  return a === undefined || b === undefined || b === 0 ? "-" : (a / b).toFixed(digits);
}

const scenarioTitles: Record<ScenarioName, string> = {
  first: "first deploy (fresh hosts)",
  noop: "no-op re-run",
  check: "`--check --diff` after one variable change",
};

export function renderMarkdown(results: ResultsFile): string {
  const sizes = Object.values(results.sizes).sort((a, b) => a.size - b.size);
  const m = results.machine;
  const out: string[] = [];
  out.push("# tsible vs Ansible vs the floor: playbooks/mosquitto.yml on real sshd hosts", "");
  out.push("Written by `npm run bench` (bench/run.ts); how it measures is in bench/README.md. Wall times in seconds:");
  out.push("median (min-max, n = samples). Every sample of every tool ran against the same fleet of hosts; first-deploy");
  out.push("samples each got freshly booted hosts.", "");
  out.push(`Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGb} GB memory, Linux ${m.kernel}, Node ${m.node}, ${m.ansible}, ${m.openssh}.`);
  out.push("Hosts: network namespaces on this same machine (test/fleet), so controller and hosts share these CPUs.", "");
  for (const result of sizes) {
    const n = result.size;
    out.push(`## ${n} host${n === 1 ? "" : "s"} (forks = ${result.forks ?? n}; measured ${result.date})`, "");
    out.push("| scenario | tsible | Ansible (cold ssh) | Ansible (warm ControlPersist) | floor | Ansible / tsible | tsible / floor | tsible ms/host | Ansible ms/host | floor ms/host |");
    out.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const scenario of ["first", "noop", "check"] as const) {
      const s = result.samples[scenario];
      const t = med(s.tsible, (x) => x.wallMs);
      const a = med(s.ansible, (x) => x.wallMs);
      const f = med(s.floor, (x) => x.wallMs);
      out.push(
        `| ${scenarioTitles[scenario]} | ${cell(s.tsible)} | ${cell(s.ansible)} | ${cell(s.ansibleWarm)} | ${cell(s.floor)} | ${ratio(a, t, 1)}${a !== undefined && t !== undefined ? "x" : ""} | ${ratio(t, f)} | ${t === undefined ? "-" : (t / n).toFixed(0)} | ${a === undefined ? "-" : (a / n).toFixed(0)} | ${f === undefined ? "-" : (f / n).toFixed(0)} |`,
      );
    }
    out.push("", "Controller memory, MB (median over samples): peak RSS of the largest single process (GNU time -v) / peak summed PSS of the whole process tree (sampled every 100 ms).", "");
    out.push("| scenario | tsible RSS / tree PSS | Ansible RSS / tree PSS |", "| --- | --- | --- |");
    for (const scenario of ["first", "noop", "check"] as const) {
      const s = result.samples[scenario];
      const memory = (samples: Sample[] | undefined) => {
        const rss = med(samples, (x) => x.maxRssKb);
        const pss = med(samples, (x) => x.treePeakPssKb);
        return rss === undefined || pss === undefined ? "-" : `${mb(rss)} / ${mb(pss)}`;
      };
      out.push(`| ${scenarioTitles[scenario]} | ${memory(s.tsible)} | ${memory(s.ansible)} |`);
    }
    out.push("");
    if (!result.samples.first.ansible?.length) out.push("Same files: not checked at this size (Ansible not run).");
    else out.push(`Same files: ${result.equivalence.length === 0 ? "yes: after each tool's first deploy, the config, bridges and ACL were byte-identical with the same owner and mode, and both password files held the same users with `$7$101$` hashes that verify against the wanted passwords." : "NO:\n\n```\n" + result.equivalence.join("\n") + "\n```"}`);
    for (const line of result.crossTool) out.push(`- ${line}`);
    for (const line of result.notes) out.push(`- ${line}`);
    out.push("");
  }
  if (sizes.length > 1) {
    out.push("## Cost per host as N grows (median wall time / N, ms)", "");
    out.push("| N | tsible first | Ansible first | tsible no-op | Ansible no-op | floor no-op | tsible check | Ansible check | tsible peak RSS MB |");
    out.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const result of sizes) {
      const per = (samples: Sample[] | undefined) => {
        const value = med(samples, (x) => x.wallMs);
        return value === undefined ? "-" : (value / result.size).toFixed(0);
      };
      const s = result.samples;
      const rss = med([...(s.first.tsible ?? []), ...(s.noop.tsible ?? []), ...(s.check.tsible ?? [])], (x) => x.maxRssKb);
      const label = result.forks !== undefined && result.forks !== result.size ? `${result.size} (forks ${result.forks})` : String(result.size);
      out.push(`| ${label} | ${per(s.first.tsible)} | ${per(s.first.ansible)} | ${per(s.noop.tsible)} | ${per(s.noop.ansible)} | ${per(s.noop.floor)} | ${per(s.check.tsible)} | ${per(s.check.ansible)} | ${rss === undefined ? "-" : mb(rss)} |`);
    }
    out.push("");
  }
  out.push("## Targets", "");
  out.push(...targetLines(results), "");
  return out.join("\n");
}

/** Issue 13's targets: how far each run is from what any tool must pay (the floor) */
function targetLines(results: ResultsFile): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  const at = (key: string) => results.sizes[key];
  const wall = (samples: Sample[] | undefined) => med(samples, (x) => x.wallMs);
  const at20 = at("20");
  if (!at20) lines.push("- 20 hosts: not measured in this results file.");
  else {
    const s = at20.samples;
    const noopFloor = wall(s.noop.floor);
    const limits = { noop: 1.5, check: 2, first: 3 } as const;
    for (const scenario of ["noop", "check", "first"] as const) {
      const t = wall(s[scenario].tsible);
      const a = wall(s[scenario].ansible);
      // check mode reads what the no-op reads: it is held to the no-op's floor
      const floor = scenario === "check" ? (wall(s.check.floor) ?? noopFloor) : wall(s[scenario].floor);
      if (t === undefined) continue;
      const floorPart = floor === undefined ? "no floor measured" : `${(t / floor).toFixed(2)}x the ${scenario === "first" ? "first-deploy " : scenario === "check" ? "no-op's " : ""}floor (target <= ${limits[scenario]}x: ${verdict(t / floor <= limits[scenario])})`;
      const ansiblePart = a === undefined ? "" : `; ${(a / t).toFixed(1)}x faster than Ansible`;
      lines.push(`- ${scenarioTitles[scenario]} at 20 hosts: ${floorPart}${ansiblePart}.`);
    }
  }
  const at1 = at("1");
  const startup = results.startupMs === undefined ? "" : ` (start-up alone, \`tsible --version\`: ${(results.startupMs / 1000).toFixed(2)} s)`;
  if (!at1) lines.push(`- 1 host: not measured in this results file${startup}.`);
  else {
    const t = wall(at1.samples.noop.tsible);
    const f = wall(at1.samples.noop.floor);
    if (t !== undefined && f !== undefined) lines.push(`- no-op re-run at 1 host, start-up included: ${(t / f).toFixed(2)}x the floor (target <= 2x: ${verdict(t / f <= 2)})${startup}.`);
  }
  const large = Object.entries(results.sizes).filter(([, result]) => result.size >= 100);
  if (large.length === 0) lines.push("- 100+ hosts: not measured in this results file.");
  for (const [, result] of large) {
    const forks = result.forks ?? result.size;
    const all = [...(result.samples.first.tsible ?? []), ...(result.samples.noop.tsible ?? []), ...(result.samples.check.tsible ?? [])];
    const peak = Math.max(...all.map((x) => x.maxRssKb), 0);
    const perHost = (size: SizeResult | undefined, scenario: ScenarioName) => {
      const value = wall(size?.samples[scenario].tsible);
      return value === undefined || size === undefined ? undefined : value / size.size;
    };
    const flat = (["noop", "check", "first"] as const).flatMap((scenario) => {
      const here = perHost(result, scenario);
      const base = perHost(at20, scenario);
      return here === undefined || base === undefined ? [] : [`${scenarioTitles[scenario]} ${here.toFixed(0)} ms/host vs ${base.toFixed(0)} at 20 hosts (${(here / base).toFixed(2)}x)`];
    });
    // a 1-host run is the baseline: what any run holds as it ends (node's own; under the bench, the pipes of its stdout and stderr)
    const ends = (samples: Sample[]) => ({
      fds: Math.max(...samples.map((x) => (x.fdsAtEnd ?? 0) - (x.fdsAtStart ?? 0))),
      live: Math.max(...samples.map((x) => x.liveAtEnd ?? 0)),
    });
    const oneHost = at("1");
    const baseline = oneHost ? ends([...(oneHost.samples.first.tsible ?? []), ...(oneHost.samples.noop.tsible ?? []), ...(oneHost.samples.check.tsible ?? [])]) : { fds: 0, live: 0 };
    const here = ends(all);
    const measured = all.some((x) => x.fdsAtEnd !== undefined);
    lines.push(
      `- ${result.size} hosts, forks ${forks}: ${flat.join("; ") || "no per-host times"}. Peak controller memory ${mb(peak)} MB RSS (target < 300 MB: ${verdict(peak < 300 * 1024)}).` +
        (measured
          ? ` At the end of every run: at most ${here.fds} more open descriptors than at its start, as a 1-host run ends with ${baseline.fds} (leak: ${here.fds <= baseline.fds ? "none" : "FOUND"}); at most ${here.live} live handles against ${baseline.live} for 1 host (a socket whose close was still under way as the process exited counts here, with its descriptor already closed).`
          : ""),
    );
  }
  return lines;
}

/** results.md ends with bench/results-notes.md, the hand-written reading of the numbers, when there is one */
export function saveResults(jsonFile: string, markdownFile: string, results: ResultsFile): void {
  writeFileSync(jsonFile, JSON.stringify(results, null, 2) + "\n");
  const notesFile = path.join(path.dirname(markdownFile), "results-notes.md");
  const notes = existsSync(notesFile) ? `\n${readFileSync(notesFile, "utf8")}` : "";
  writeFileSync(markdownFile, renderMarkdown(results) + notes);
}
