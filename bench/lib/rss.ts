import { readdirSync, readFileSync, writeFileSync } from "node:fs";

/** A field of /proc/<pid>/status in bytes: the resident set, its peak, and its anonymous, file-backed and shared parts. */
export function procStatusBytes(pid: number, field: "VmRSS" | "VmHWM" | "RssAnon" | "RssFile" | "RssShmem"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/**
 * Samples a process's resident set from outside while something runs. The kernel's high-water mark
 * (VmHWM) is reset first when /proc/<pid>/clear_refs allows it, so the peak is exact rather than
 * the largest sample.
 */
export class RssMonitor {
  private timer: NodeJS.Timeout | undefined;
  private maxSample = 0;
  readonly baseline: number;
  private readonly hwmReset: boolean;

  constructor(
    private readonly pid: number,
    intervalMs = 10,
  ) {
    this.hwmReset = resetPeak(pid);
    this.baseline = procStatusBytes(pid, "VmRSS");
    this.maxSample = this.baseline;
    this.timer = setInterval(() => {
      try {
        this.maxSample = Math.max(this.maxSample, procStatusBytes(pid, "VmRSS"));
      } catch {
        // the process is gone; stop() reports what was seen
      }
    }, intervalMs);
  }

  /** Stops sampling; answers the baseline, the peak, and how the peak was known. */
  stop(): { baseline: number; peak: number; growth: number; source: "VmHWM" | "samples" } {
    clearInterval(this.timer);
    const peak = this.hwmReset ? Math.max(procStatusBytes(this.pid, "VmHWM"), this.maxSample) : this.maxSample;
    return { baseline: this.baseline, peak, growth: peak - this.baseline, source: this.hwmReset ? "VmHWM" : "samples" };
  }
}

/** Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0, own processes). */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * Time a process's threads ran on a core and waited in the run queue for one, in ms so far, from
 * /proc/<pid>/task/<tid>/schedstat. On a shared machine the wait is time lost to other work.
 */
export function processSchedMs(pid: number): { runMs: number; waitMs: number } {
  let runNs = 0;
  let waitNs = 0;
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { runMs: 0, waitMs: 0 };
  }
  for (const tid of tasks) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").trim().split(" ").map(Number);
      runNs += run;
      waitNs += wait;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { runMs: runNs / 1e6, waitMs: waitNs / 1e6 };
}

/** The machine's CPU pressure so far: µs during which some runnable task waited for a core (PSI). */
export function cpuPressureUs(): number | undefined {
  try {
    const match = /^some .*total=(\d+)$/m.exec(readFileSync("/proc/pressure/cpu", "utf8"));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** What each process got of the machine during a phase, as shares of the phase's wall time. */
export interface PhaseShares {
  /** CPU time (user + system) over wall time: 1 = one core busy all the phase. */
  cpu: Record<string, number>;
  /** Time its threads waited for a core over wall time (other work had it). */
  waitingForCpu: Record<string, number>;
  /** Share of the phase during which some task on the machine waited for a core (PSI "some"). */
  machinePressure?: number;
}

/** Starts measuring `pids` (and this process as "client"); call the answer to end the phase. */
export function startPhase(pids: Record<string, number>): () => PhaseShares {
  const started = performance.now();
  const cpu = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)]));
  const sched = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processSchedMs(pid)]));
  const clientCpu = process.cpuUsage();
  const clientSched = processSchedMs(process.pid);
  const pressure = cpuPressureUs();
  return () => {
    const wallMs = performance.now() - started;
    const client = process.cpuUsage(clientCpu);
    const shares: PhaseShares = {
      cpu: { client: (client.user + client.system) / 1000 / wallMs },
      waitingForCpu: { client: Math.max(0, processSchedMs(process.pid).waitMs - clientSched.waitMs) / wallMs },
    };
    for (const [name, pid] of Object.entries(pids)) {
      shares.cpu[name] = (processCpuMs(pid) - cpu[name]) / wallMs;
      // Threads that ended during the phase take their counts with them: never below zero.
      shares.waitingForCpu[name] = Math.max(0, processSchedMs(pid).waitMs - sched[name].waitMs) / wallMs;
    }
    const after = cpuPressureUs();
    if (pressure !== undefined && after !== undefined) shares.machinePressure = (after - pressure) / 1000 / wallMs;
    return shares;
  };
}
