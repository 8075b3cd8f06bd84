import { readFileSync, writeFileSync } from "node:fs";

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM, …). */
export function procStatusBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
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
