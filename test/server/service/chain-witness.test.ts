import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ChainWitness,
  finalBlocks,
  type FinalBlock,
  type FinalBlockSource,
  type WitnessStore,
  type WitnessTimer,
} from "../../../server/service/chain-witness";
import { witnessImprint, type ChainWitnessRecord } from "../../../server/timestamp/witness-imprint";
import { isTimestampError } from "../../../server/timestamp/errors";
import { certificatesFromFile } from "../../../server/timestamp/token-verification";
import { HttpTimeStampClient } from "../../../server/tsa/http-time-stamp-client";
import { createOpensslTsa, openssl, type OpensslTsa } from "../../support/openssl-tsa";
import { freePort, run } from "../../support/processes";
import { startTimeStampServer, type TimeStampServer } from "../../support/time-stamp-server";

/** The in-process Hardhat chain's latest block, standing in for the service's final-block reader. */
const hardhatBlocks = {
  async latestFinalBlock(): Promise<FinalBlock> {
    const block = (await hre.network.provider.request({
      method: "eth_getBlockByNumber",
      params: ["latest", false],
    })) as {
      number: string;
      hash: string;
    };
    return { number: BigInt(block.number), hash: block.hash };
  },
} satisfies FinalBlockSource;

const mine = () => hre.network.provider.request({ method: "hardhat_mine", params: ["0x1"] });

class MemoryWitnessStore implements WitnessStore {
  readonly records: ChainWitnessRecord[] = [];

  async latestWitness() {
    return this.records.at(-1);
  }

  async saveWitness(record: ChainWitnessRecord) {
    this.records.push(record);
  }
}

/** A timer the test fires by hand: `pending` holds what the witness scheduled. */
class ManualTimer implements WitnessTimer {
  pending: { callback: () => void; delayMs: number }[] = [];
  now = () => new Date("2030-01-02T03:04:05Z");

  schedule(callback: () => void, delayMs: number) {
    const entry = { callback, delayMs };
    this.pending.push(entry);
    return () => {
      this.pending = this.pending.filter((e) => e !== entry);
    };
  }

  fire(): void {
    const entry = this.pending.shift();
    if (entry === undefined) throw new Error("nothing scheduled");
    entry.callback();
  }
}

describe("ChainWitness", function () {
  let dir: string;
  let outside: OpensslTsa;
  let server: TimeStampServer;
  let client: HttpTimeStampClient;

  /** `openssl ts -verify` of a stored witness against the block hash's bytes, as an auditor would run it. */
  async function auditorVerifies(record: ChainWitnessRecord): Promise<string> {
    const name = `witness-${record.blockNumber}`;
    writeFileSync(path.join(dir, `${name}.bin`), Buffer.from(record.blockHash.slice(2), "hex"));
    writeFileSync(path.join(dir, `${name}.tsr`), record.reply);
    const result = await run("openssl", [
      "ts",
      "-verify",
      "-data",
      path.join(dir, `${name}.bin`),
      "-in",
      path.join(dir, `${name}.tsr`),
      "-CAfile",
      outside.caFile,
    ]);
    return result.output;
  }

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "docproof-witness-"));
    outside = createOpensslTsa(dir);
    server = await startTimeStampServer(outside.reply);
    client = new HttpTimeStampClient({
      url: server.url,
      trustAnchors: certificatesFromFile(readFileSync(outside.caFile)),
    });
    await mine();
  });

  after(async function () {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("witnessImprint", function () {
    it("is the SHA-256 of the block hash's 32 bytes, as openssl dgst computes it", async function () {
      const { hash } = await hardhatBlocks.latestFinalBlock();
      writeFileSync(path.join(dir, "hash.bin"), Buffer.from(hash.slice(2), "hex"));
      const dgst = openssl(["dgst", "-sha256", "-r", "hash.bin"], dir).split(" ")[0];
      expect(witnessImprint(hash)).to.equal(dgst);
    });
  });

  describe("witnessOnce", function () {
    it("has the outside TSA stamp the latest block once, and again after a new block", async function () {
      const store = new MemoryWitnessStore();
      const timer = new ManualTimer();
      const witness = new ChainWitness({ blocks: hardhatBlocks, tsa: client, store, intervalMs: 1000, timer });
      const before = server.requests.length;

      const first = await witness.witnessOnce();
      const block = await hardhatBlocks.latestFinalBlock();
      expect(first).to.deep.include({
        blockNumber: block.number,
        blockHash: block.hash,
        sha256: witnessImprint(block.hash),
        authority: server.url,
        witnessedAt: timer.now(),
      });
      expect(await auditorVerifies(first!)).to.contain("Verification: OK");

      expect(await witness.witnessOnce()).to.equal(undefined);
      expect(server.requests.length - before).to.equal(1);

      await mine();
      const second = await witness.witnessOnce();
      expect(second?.blockNumber).to.equal(block.number + 1n);
      expect(second?.serial).to.not.equal(first?.serial);
      expect(await auditorVerifies(second!)).to.contain("Verification: OK");
      expect(store.records).to.deep.equal([first, second]);
    });

    it("does nothing before the chain has a final block", async function () {
      const store = new MemoryWitnessStore();
      const witness = new ChainWitness({
        blocks: { latestFinalBlock: async () => undefined },
        tsa: client,
        store,
        intervalMs: 1000,
      });
      expect(await witness.witnessOnce()).to.equal(undefined);
      expect(store.records).to.deep.equal([]);
    });
  });

  describe("witnessNow", function () {
    it("stamps the latest final block, or answers the witness it already has", async function () {
      const store = new MemoryWitnessStore();
      const witness = new ChainWitness({ blocks: hardhatBlocks, tsa: client, store, intervalMs: 1000 });
      await mine();
      const first = await witness.witnessNow();
      expect(first.created).to.equal(true);
      expect(first.record.blockHash).to.equal((await hardhatBlocks.latestFinalBlock()).hash);
      const again = await witness.witnessNow();
      expect(again).to.deep.equal({ record: first.record, created: false });
    });

    it("never runs two rounds at once: concurrent calls stamp the block once", async function () {
      const store = new MemoryWitnessStore();
      const witness = new ChainWitness({ blocks: hardhatBlocks, tsa: client, store, intervalMs: 1000 });
      await mine();
      const before = server.requests.length;
      const answers = await Promise.all([witness.witnessNow(), witness.witnessNow(), witness.witnessOnce()]);
      expect(server.requests.length - before).to.equal(1);
      expect(answers.map((a) => (a === undefined ? "none" : "created" in a ? a.created : "round"))).to.deep.equal([
        true,
        false,
        "none",
      ]);
      expect(store.records).to.have.length(1);
    });
  });

  describe("finalBlocks", function () {
    it("is the head less CONFIRMATIONS - 1, and nothing before the chain has that many blocks", async function () {
      const chain = {
        headNumber: async () => 7,
        blockAt: async (number: number) => ({ number, hash: `0x${String(number).padStart(64, "0")}`, timestamp: 0 }),
      };
      expect(await finalBlocks(chain, 1).latestFinalBlock()).to.deep.equal({
        number: 7n,
        hash: `0x${"0".repeat(63)}7`,
      });
      expect(await finalBlocks(chain, 3).latestFinalBlock()).to.deep.equal({
        number: 5n,
        hash: `0x${"0".repeat(63)}5`,
      });
      expect(await finalBlocks(chain, 9).latestFinalBlock()).to.equal(undefined);
    });
  });

  describe("start and stop", function () {
    it("witnesses every interval, reports a failed round and carries on, and stops", async function () {
      const store = new MemoryWitnessStore();
      const timer = new ManualTimer();
      const errors: unknown[] = [];
      let tsa = client;
      const witness = new ChainWitness({
        blocks: hardhatBlocks,
        tsa: { authority: "switchable", timeStamp: (sha256) => tsa.timeStamp(sha256) },
        store,
        intervalMs: 60_000,
        timer,
        onError: (error) => errors.push(error),
      });
      const roundEnds = async (count: number) => {
        while (timer.pending.length === 0 || store.records.length + errors.length < count) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };

      witness.start();
      expect(timer.pending.map((p) => p.delayMs)).to.deep.equal([0]);
      timer.fire();
      await roundEnds(1);
      expect(store.records).to.have.length(1);
      expect(timer.pending.map((p) => p.delayMs)).to.deep.equal([60_000]);

      await mine();
      tsa = new HttpTimeStampClient({
        url: `http://127.0.0.1:${await freePort()}/`,
        trustAnchors: certificatesFromFile(readFileSync(outside.caFile)),
      });
      timer.fire();
      await roundEnds(2);
      expect(errors).to.have.length(1);
      expect(isTimestampError(errors[0], "tsa-unavailable"), String(errors[0])).to.equal(true);
      expect(timer.pending.map((p) => p.delayMs)).to.deep.equal([60_000]);

      tsa = client;
      timer.fire();
      await roundEnds(3);
      expect(store.records).to.have.length(2);
      expect(await auditorVerifies(store.records[1])).to.contain("Verification: OK");

      await witness.stop();
      expect(timer.pending).to.deep.equal([]);
    });
  });
});
