import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ReceiptV1 } from "../../server/proof/receipt";
import {
  AnvilNode,
  expectAnchoredOnce,
  expectProblem,
  notarizeAll,
  randomSha,
  ServiceProcess,
} from "../support/service-process";
import { poll } from "../support/processes";

/** Writes zeros to `file` until the filesystem has no space left; returns the bytes written. */
function fillDisk(file: string): number {
  const fd = openSync(file, "w");
  let written = 0;
  try {
    for (const chunk of [1024 * 1024, 64 * 1024, 4 * 1024, 512, 1]) {
      const zeros = Buffer.alloc(chunk);
      for (;;) {
        try {
          written += writeSync(fd, zeros);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

// NOTE: mounting a tmpfs needs root (CAP_SYS_ADMIN), as in CI; a real filesystem that really fills
// up exercises the store exactly as a full disk in production would.
describe("the store's disk full (real processes, a small tmpfs)", function () {
  this.timeout(180_000);
  let workDir: string;
  let mountPoint: string;
  let filler: string;
  let mounted = false;
  let node: AnvilNode;
  let service: ServiceProcess;
  let registryAddress: string;
  const acknowledged: string[] = [];
  let refused: Response;

  before(async function () {
    workDir = mkdtempSync(path.join(tmpdir(), "docproof-disk-"));
    mountPoint = path.join(workDir, "disk");
    filler = path.join(mountPoint, "filler");
    mkdirSync(mountPoint);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "docproof-test", mountPoint], { stdio: "pipe" });
    } catch (error) {
      throw new Error(`This test mounts a 2 MiB tmpfs and needs root: ${(error as { stderr?: Buffer }).stderr}`);
    }
    mounted = true;
    node = await AnvilNode.create(700_000 + randomInt(100_000));
    await node.start();
    registryAddress = await node.deployRegistry();
    service = await ServiceProcess.create({
      rpcUrl: node.rpcUrl,
      registryAddress,
      dataDir: path.join(mountPoint, "data"),
      batchIntervalMs: 300,
    });
    await service.start();
    acknowledged.push(...(await notarizeAll(service, Array.from({ length: 3 }, randomSha))));
    await service.anchored(acknowledged);
    acknowledged.push(...(await notarizeAll(service, Array.from({ length: 3 }, randomSha))));
  });

  after(async function () {
    await service?.stop();
    await node?.stop();
    if (mounted) {
      try {
        execFileSync("umount", [mountPoint], { stdio: "pipe" });
      } catch {
        execFileSync("umount", ["-l", mountPoint], { stdio: "pipe" });
      }
    }
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  describe("when the disk fills up", function () {
    it("answers notarize with 503 store-unavailable and Retry-After once a write fails", async function () {
      expect(fillDisk(filler)).to.be.above(0);
      // Writes that still fit (SQLite may have room left in its files) are acknowledged and kept.
      for (let attempt = 0; attempt < 1_000 && refused === undefined; attempt++) {
        const digest = randomSha();
        const response = await service.notarize(digest);
        if (response.status === 202) acknowledged.push(digest);
        else refused = response;
      }
      expect(refused, "no write failed on a full disk").to.not.equal(undefined);
      const problem = await expectProblem(refused, 503, "store-unavailable");
      expect(problem.detail).to.match(/SQLITE_FULL|SQLITE_IOERR/);
      expect(Number(refused.headers.get("retry-after"))).to.be.above(0);
    });

    it("reports the store unhealthy at /healthz", async function () {
      const health = await poll("/healthz to report the store", async () => {
        const result = await service.health();
        return result.body.checks.store.status === "fail" ? result : undefined;
      });
      expect(health.status).to.equal(503);
      expect(health.body.checks.store.output).to.match(/SQLITE_FULL|SQLITE_IOERR/);
    });

    it("still serves every acknowledged document", async function () {
      for (const digest of acknowledged)
        expect(["pending", "anchored"]).to.include((await service.document(digest)).status);
    });
  });

  describe("when space returns", function () {
    it("accepts again and anchors every acknowledged document exactly once, without a restart", async function () {
      const pid = service.process!.pid;
      rmSync(filler);
      const late = randomSha();
      await poll("notarize to accept again", async () =>
        (await service.notarize(late)).status === 202 ? true : undefined,
      );
      acknowledged.push(late);
      const receipts: Map<string, ReceiptV1> = await service.anchored(acknowledged);
      expect(service.process!.pid).to.equal(pid);
      await poll("/healthz to pass", async () => ((await service.health()).status === 200 ? true : undefined));
      await expectAnchoredOnce(node, service, registryAddress, receipts);
    });
  });
});
