/**
 * CLI start-up: the package as users install it (`npm pack`, then `npm install -g --prefix <tmp>
 * --prefer-offline`, as test/e2e/package.test.ts does), run from a folder outside the repository:
 * `docproof --version` and `docproof hash <10 KB file>`, against `node -e 0` in the same run.
 * Median of `runs` runs each, the three commands taking turns so that the machine's load falls on
 * all of them alike.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "../test/support/processes";
import { profileIn, selfTimeByPackage } from "./lib/profile";
import { percentile } from "./lib/stats";

export interface CliStartupResult {
  runs: number;
  nodeMs: number;
  versionMs: number;
  hashMs: number;
  /** Time to pack (which builds) and install, for the record. */
  packMs: number;
  installMs: number;
  /** `docproof --version` once under `node --cpu-prof`: busy time by package. */
  versionProfile: { name: string; ms: number; share: number }[];
  /** JavaScript files each command loads, by package (bench/lib/module-census.js). */
  modules: { version: ModuleCensus; hash: ModuleCensus };
}

export interface ModuleCensus {
  files: number;
  /** Packages with the most files loaded, most first. */
  packages: { name: string; files: number }[];
}

/** The files a command loaded, counted by npm package (Docproof's own as "docproof"). */
function census(files: string[]): ModuleCensus {
  const counts = new Map<string, number>();
  for (const file of files) {
    const modules = file.lastIndexOf("/node_modules/");
    const [first, second] = file.slice(modules + "/node_modules/".length).split("/");
    const name = modules < 0 ? "(outside node_modules)" : first.startsWith("@") ? `${first}/${second}` : first;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return {
    files: files.length,
    packages: [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([name, count]) => ({ name, files: count })),
  };
}

function runOrThrow(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

export async function benchCliStartup(runs: number): Promise<CliStartupResult> {
  const scratch = mkdtempSync(path.join(tmpdir(), "docproof-cli-"));
  try {
    const prefix = path.join(scratch, "prefix");
    const work = path.join(scratch, "work");
    mkdirSync(work, { recursive: true });
    let started = performance.now();
    // npm pack runs the package's prepack step: `npm run build`.
    runOrThrow("npm", ["pack", "--pack-destination", scratch], ROOT);
    const packMs = performance.now() - started;
    const tarball = readdirSync(scratch).find((name) => name.endsWith(".tgz"));
    if (tarball === undefined) throw new Error("npm pack made no tarball");
    started = performance.now();
    runOrThrow(
      "npm",
      ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", path.join(scratch, tarball)],
      scratch,
    );
    const installMs = performance.now() - started;

    const docproof = path.join(prefix, "bin", "docproof");
    const content = randomBytes(10_000);
    writeFileSync(path.join(work, "small.bin"), content);
    const expected = `${createHash("sha256").update(content).digest("hex")}  small.bin\n`;
    const version = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    // Outside the repository, with a minimal environment, as a user's shell would run it.
    const env = { PATH: process.env.PATH, HOME: scratch };
    const commands = [
      { name: "node", command: process.execPath, args: ["-e", "0"], expect: "" },
      { name: "version", command: docproof, args: ["--version"], expect: `${version}\n` },
      { name: "hash", command: docproof, args: ["hash", "small.bin"], expect: expected },
    ];
    const times: Record<string, number[]> = { node: [], version: [], hash: [] };
    // One unmeasured round: the first start reads the files from disk into the page cache.
    for (let round = -1; round < runs; round++) {
      for (const c of commands) {
        const t0 = performance.now();
        const output = runOrThrow(c.command, c.args, work, env);
        const elapsed = performance.now() - t0;
        if (output !== c.expect)
          throw new Error(`${c.name} printed ${JSON.stringify(output)}, not ${JSON.stringify(c.expect)}`);
        if (round >= 0) times[c.name].push(elapsed);
      }
    }
    // Where the start-up goes: the installed command's script, run once under the profiler.
    const profileDir = path.join(scratch, "profile");
    const script = path.join(prefix, "lib", "node_modules", "docproof", "bin", "docproof.js");
    runOrThrow(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, script, "--version"], work, env);
    const versionProfile = selfTimeByPackage(profileIn(profileDir));
    const censusFile = path.join(scratch, "modules.jsonl");
    const censusEnv = { ...env, BENCH_MODULE_CENSUS_FILE: censusFile };
    const probe = path.join(__dirname, "lib", "module-census.js");
    runOrThrow(process.execPath, ["--require", probe, script, "--version"], work, censusEnv);
    runOrThrow(process.execPath, ["--require", probe, script, "hash", "small.bin"], work, censusEnv);
    const [versionFiles, hashFiles] = readFileSync(censusFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as string[]);
    return {
      runs,
      nodeMs: percentile(times.node, 50),
      versionMs: percentile(times.version, 50),
      hashMs: percentile(times.hash, 50),
      packMs,
      installMs,
      versionProfile,
      modules: { version: census(versionFiles), hash: census(hashFiles) },
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
