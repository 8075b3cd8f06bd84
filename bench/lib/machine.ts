import { execFileSync } from "node:child_process";
import os from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  os: string;
  openssl: string;
  /** 1-minute load average when the run started: other work on the machine competes for the cores. */
  loadAverage: number;
}

export function describeMachine(): Machine {
  let openssl = "not found";
  try {
    openssl = execFileSync("openssl", ["version"], { encoding: "utf8" }).trim();
  } catch {
    // reported as missing
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    openssl,
    loadAverage: os.loadavg()[0],
  };
}
