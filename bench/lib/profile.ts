/**
 * Reads a V8 CPU profile (`node --cpu-prof`): self time per function and per part of the stack
 * (logging, helmet, rate limiting, zod, SQLite, JSON, …), optionally only inside a time window.
 *
 *   npx ts-node --transpile-only bench/lib/profile.ts <file.cpuprofile>     prints the summary
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  /** The file, relative to node_modules or the repository, with the line. */
  where: string;
  category: string;
  selfMs: number;
  /** Share of the busy time (every sample but idle). */
  share: number;
}

export interface ProfileSummary {
  /** Wall time the samples cover, in ms. */
  wallMs: number;
  /** Time not idle: JavaScript, native code, garbage collection. */
  busyMs: number;
  top: FunctionTime[];
  categories: { category: string; selfMs: number; share: number }[];
  /** Time with a Docproof function (server/) on the stack, per function: where the service spends it. */
  inclusive: { name: string; where: string; totalMs: number; share: number }[];
}

/** Express and the small packages it is made of. */
const EXPRESS_PACKAGES = [
  "express",
  "router",
  "body-parser",
  "raw-body",
  "finalhandler",
  "send",
  "serve-static",
  "type-is",
  "on-finished",
  "content-type",
  "iconv-lite",
  "statuses",
  "http-errors",
  "mime-types",
  "etag",
  "fresh",
  "accepts",
  "negotiator",
  "vary",
  "proxy-addr",
  "parseurl",
  "encodeurl",
  "escape-html",
  "path-to-regexp",
  "qs",
  "depd",
  "content-disposition",
  "cookie",
  "range-parser",
];

/** Native functions better-sqlite3 exposes to JavaScript: their self time is SQLite's. */
const SQLITE_NATIVE = new Set(["get", "all", "run", "iterate", "prepare", "exec", "pluck", "raw", "bind"]);

/** Which part of the stack a frame belongs to, from its file and name. */
export function categoryOf(functionName: string, url: string): string {
  if (functionName === "(idle)") return "idle";
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(program)") return "V8 and native (unattributed)";
  const u = url.replace(/\\/g, "/");
  const inModule = (name: string) => u.includes(`/node_modules/${name}/`);
  if (
    ["pino", "pino-http", "sonic-boom", "pino-std-serializers", "fast-redact", "quick-format-unescaped"].some(inModule)
  )
    return "logging (pino)";
  if (inModule("helmet")) return "helmet";
  if (inModule("express-rate-limit")) return "rate limit";
  if (inModule("zod")) return "zod";
  // NOTE: better-sqlite3's native calls get no frame of their own: their time is the self time of
  // the store's functions that call them (see the inclusive time of the store's `guard`).
  if (inModule("better-sqlite3") || (u === "" && SQLITE_NATIVE.has(functionName))) return "SQLite";
  if (u === "" && (functionName === "parse" || functionName === "stringify")) return "JSON";
  if (EXPRESS_PACKAGES.some(inModule)) return "express and body parsing";
  if (inModule("prom-client")) return "metrics (prom-client)";
  if (["ethers", "@noble", "@adraffy"].some(inModule)) return "ethers (keccak, ABI, RPC)";
  if (["@openzeppelin", "@metamask", "ethereum-cryptography"].some(inModule)) {
    return "Merkle tree (@openzeppelin/merkle-tree and its ABI coder)";
  }
  if (inModule("ts-node") || inModule("typescript")) return "ts-node (start-up)";
  if (u.includes("/node_modules/")) return "other dependencies";
  if (u.startsWith("node:")) return "Node (http, net, streams)";
  if (u.includes("/server/")) return "Docproof (server/)";
  if (functionName.startsWith("RegExp:")) return "regular expressions";
  if (u === "") return `native: ${functionName || "(anonymous)"}`;
  return "other";
}

/** A name cut to 60 characters (regular expressions name themselves by their source). */
function short(name: string): string {
  return name.length <= 60 ? name : `${name.slice(0, 57)}…`;
}

function shortPath(url: string): string {
  const u = url.replace(/^file:\/\//, "");
  const modules = u.lastIndexOf("/node_modules/");
  if (modules >= 0) return u.slice(modules + "/node_modules/".length);
  const server = u.lastIndexOf("/server/");
  if (server >= 0) return u.slice(server + 1);
  return u;
}

/**
 * Self time by function and category. `window` keeps only samples between `fromMs` and `toMs`
 * after the profile's start (the process's start, give or take Node's own start-up).
 */
export function summariseProfile(
  file: string,
  window: { fromMs?: number; toMs?: number } = {},
  topCount = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const fromUs = window.fromMs === undefined ? -Infinity : profile.startTime + window.fromMs * 1000;
  const toUs = window.toMs === undefined ? Infinity : profile.startTime + window.toMs * 1000;
  const self = new Map<number, number>();
  let t = profile.startTime;
  let firstUs = Infinity;
  let lastUs = -Infinity;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (t < fromUs || t > toUs) continue;
    firstUs = Math.min(firstUs, t);
    lastUs = Math.max(lastUs, t);
    // A sample stands for the time until the next one.
    const duration = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + duration);
  }
  const functions = new Map<string, { name: string; where: string; category: string; us: number }>();
  let busyUs = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const category = categoryOf(functionName, url);
    if (category === "idle") continue;
    busyUs += us;
    const where = url === "" ? "(native)" : `${shortPath(url)}:${lineNumber + 1}`;
    const name = short(functionName || "(anonymous)");
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, where, category, us: 0 };
    entry.us += us;
    functions.set(key, entry);
  }
  const inclusive = new Map<string, { name: string; where: string; us: number }>();
  for (const [id, us] of self) {
    if (categoryOf(byId.get(id)!.callFrame.functionName, byId.get(id)!.callFrame.url) === "idle") continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
      if (!url.includes("/server/") || url.includes("/node_modules/")) continue;
      const where = `${shortPath(url)}:${lineNumber + 1}`;
      const name = functionName || "(anonymous)";
      const key = `${name}@${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = inclusive.get(key) ?? { name, where, us: 0 };
      entry.us += us;
      inclusive.set(key, entry);
    }
  }
  const categories = new Map<string, number>();
  for (const f of functions.values()) categories.set(f.category, (categories.get(f.category) ?? 0) + f.us);
  const share = (us: number) => (busyUs === 0 ? 0 : us / busyUs);
  return {
    wallMs: Number.isFinite(firstUs) ? (lastUs - firstUs) / 1000 : 0,
    busyMs: busyUs / 1000,
    top: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topCount)
      .map((f) => ({ name: f.name, where: f.where, category: f.category, selfMs: f.us / 1000, share: share(f.us) })),
    categories: [...categories.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([category, us]) => ({ category, selfMs: us / 1000, share: share(us) })),
    inclusive: [...inclusive.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topCount)
      .map((f) => ({ name: f.name, where: f.where, totalMs: f.us / 1000, share: share(f.us) })),
  };
}

/** The npm package (or part of Node or of Docproof) a frame's file belongs to. */
export function packageOf(functionName: string, url: string): string {
  const u = url.replace(/\\/g, "/");
  const modules = u.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const [first, second] = u.slice(modules + "/node_modules/".length).split("/");
    return first.startsWith("@") ? `${first}/${second}` : first;
  }
  if (u.startsWith("node:")) return "Node's own modules (loading, fs, …)";
  if (u.includes("/dist/server/") || u.includes("/server/")) return "Docproof";
  if (functionName === "(garbage collector)") return "garbage collection";
  if (u === "") return "V8 and native (compiling, reading files)";
  return "other";
}

/** Busy self time by package: what a short-lived process (a CLI start) spends its time on. */
export function selfTimeByPackage(file: string): { name: string; ms: number; share: number }[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const duration = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
    const { functionName, url } = byId.get(profile.samples[i])!.callFrame;
    if (functionName === "(idle)") continue;
    const name = packageOf(functionName, url);
    totals.set(name, (totals.get(name) ?? 0) + duration);
    busy += duration;
  }
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => ({ name, ms: us / 1000, share: busy === 0 ? 0 : us / busy }));
}

/** The one profile a process wrote into `dir`. */
export function profileIn(dir: string): string {
  const files = readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"));
  if (files.length !== 1) throw new Error(`expected one CPU profile in ${dir}, found ${files.length}`);
  return path.join(dir, files[0]);
}

if (require.main === module) {
  const summary = summariseProfile(process.argv[2]);
  console.log(`wall ${summary.wallMs.toFixed(0)} ms, busy ${summary.busyMs.toFixed(0)} ms`);
  console.table(summary.categories.map((c) => ({ ...c, selfMs: Math.round(c.selfMs), share: c.share.toFixed(3) })));
  console.table(summary.top.map((f) => ({ ...f, selfMs: Math.round(f.selfMs), share: f.share.toFixed(3) })));
  console.table(summary.inclusive.map((f) => ({ ...f, totalMs: Math.round(f.totalMs), share: f.share.toFixed(3) })));
}
