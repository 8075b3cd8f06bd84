import { expect } from "chai";
import type { BlockRef } from "../../../server/chain/registry";
import { ChainClock, ChainClockError } from "../../../server/service/chain-clock";
import { capturedLogger } from "../../support/unit-fixtures";

const T0 = Date.parse("2030-01-02T03:04:05.000Z");
const seconds = (ms: number) => Math.floor(ms / 1000);

/** A chain whose blocks the test makes, with the times it chooses, and a service clock it sets. */
class Scene {
  blocks: BlockRef[] = [{ number: 0, hash: hashOf(0, 0), timestamp: seconds(T0) - 600 }];
  nowMs = T0;
  readonly logger = capturedLogger();
  readonly clock = new ChainClock(
    {
      chain: {
        headNumber: async () => this.blocks.at(-1)!.number,
        blockAt: async (number) => this.blocks.find((b) => b.number === number),
      },
      log: this.logger.log,
      now: () => this.nowMs,
    },
    { accuracyMs: 1_000, intervalMs: 1_000 },
  );

  /** A block made now by a producer whose clock is `skewMs` ahead of the service's. */
  mine(skewMs = 0, variant = 0): void {
    const number = this.blocks.at(-1)!.number + 1;
    this.blocks.push({ number, hash: hashOf(number, variant), timestamp: seconds(this.nowMs + skewMs) });
  }

  /** A block with exactly this time (whole seconds), as a node that sets it by its own rule would make it. */
  mineAt(timestamp: number): void {
    const number = this.blocks.at(-1)!.number + 1;
    this.blocks.push({ number, hash: hashOf(number, 0), timestamp });
  }

  wait(ms: number): void {
    this.nowMs += ms;
  }

  messages(level: string): string[] {
    return this.logger
      .entries()
      .filter((e) => e.level === level)
      .map((e) => e.message);
  }
}

function hashOf(number: number, variant: number): string {
  return `0x${number.toString(16).padStart(32, "0")}${variant.toString(16).padStart(32, "0")}`;
}

describe("ChainClock", function () {
  describe("when no block has been seen arriving", function () {
    it("trusts the service clock: the head it finds first may be of any age", async function () {
      const scene = new Scene();
      expect(await scene.clock.checkOnce()).to.equal(undefined);
      scene.wait(5_000);
      expect(await scene.clock.checkOnce()).to.equal(undefined);
      expect(scene.clock.latest).to.equal(undefined);
      expect(scene.clock.now().getTime()).to.equal(scene.nowMs);
    });
  });

  describe("when a new block agrees", function () {
    it("issues on the service clock, the block's second overlapping the time it was made in", async function () {
      const scene = new Scene();
      await scene.clock.checkOnce();
      scene.wait(400);
      scene.mine(0);
      scene.wait(600);
      const comparison = await scene.clock.checkOnce();
      expect(comparison).to.deep.include({ offsetMs: 0, agrees: true });
      expect(scene.clock.now().getTime()).to.equal(scene.nowMs);
    });

    it("tolerates a producer clock off by up to the accuracy", async function () {
      const scene = new Scene();
      await scene.clock.checkOnce();
      scene.mine(1_900);
      const comparison = await scene.clock.checkOnce();
      expect(comparison?.agrees).to.equal(true);
      expect(comparison?.offsetMs).to.be.within(1, 1_000);
    });
  });

  describe("when a new block is ahead of the service clock by more than the accuracy", function () {
    it("refuses the time (ChainClockError), logs it once, and resumes when a later block agrees", async function () {
      const scene = new Scene();
      await scene.clock.checkOnce();
      scene.wait(1_000);
      scene.mine(3_600_000);
      const comparison = await scene.clock.checkOnce();
      expect(comparison?.agrees).to.equal(false);
      expect(comparison?.offsetMs).to.be.closeTo(3_600_000, 1_000);
      expect(() => scene.clock.now())
        .to.throw(ChainClockError)
        .with.property("message")
        .that.matches(/^block 1's time is 3600\.\d s ahead of the service clock, more than the accuracy of 1000 ms$/);

      // No new block: the refusal stands, and is not logged again.
      scene.wait(1_000);
      expect(await scene.clock.checkOnce()).to.equal(undefined);
      expect(() => scene.clock.now()).to.throw(ChainClockError);
      scene.mine(3_600_000);
      await scene.clock.checkOnce();
      expect(scene.messages("error")).to.have.length(1);
      expect(scene.messages("error")[0]).to.match(/time-stamping is refused until they agree$/);

      // The producer's clock is put right; blocks keep increasing, so time catches up with the last one.
      scene.wait(3_601_000);
      scene.mine(0);
      expect((await scene.clock.checkOnce())?.agrees).to.equal(true);
      expect(scene.clock.now().getTime()).to.equal(scene.nowMs);
      expect(scene.messages("warn")).to.deep.equal([
        "the service clock agrees with the chain's block time again: time-stamping resumes",
      ]);
    });
  });

  describe("when a node stamps each block at least a second after its parent", function () {
    it("excuses the lead a burst of blocks builds up, a second a block, as it wears off", async function () {
      const scene = new Scene();
      await scene.clock.checkOnce();
      scene.wait(1_000);
      // Six blocks in one second: each a second after its parent, the last five seconds ahead.
      for (let i = 0; i < 6; i++) scene.mineAt(seconds(scene.nowMs) + i);
      const burst = await scene.clock.checkOnce();
      expect(burst).to.deep.include({ agrees: true, burstLeadMs: 5_000 });
      expect(burst?.offsetMs).to.be.within(4_001, 5_000);
      scene.wait(1_000);
      scene.mineAt(scene.blocks.at(-1)!.timestamp + 1);
      expect((await scene.clock.checkOnce())?.agrees).to.equal(true);
      expect(scene.messages("error")).to.deep.equal([]);
    });

    it("still finds the service clock behind a chain that makes a block a second", async function () {
      const scene = new Scene();
      await scene.clock.checkOnce();
      for (let i = 0; i < 5; i++) {
        scene.wait(1_000);
        // The chain's clock is right, and ten seconds ahead of the service's.
        scene.mineAt(seconds(scene.nowMs + 10_000));
        await scene.clock.checkOnce();
      }
      expect(scene.clock.latest).to.deep.include({ agrees: false, burstLeadMs: 1_000 });
      expect(scene.clock.latest?.offsetMs).to.be.within(9_000, 10_000);
      expect(() => scene.clock.now()).to.throw(ChainClockError);
    });
  });

  describe("when a new block is behind the service clock by more than the accuracy", function () {
    it("refuses the time too", async function () {
      const scene = new Scene();
      await scene.clock.checkOnce();
      scene.wait(1_000);
      scene.mine(-5_000);
      const comparison = await scene.clock.checkOnce();
      expect(comparison?.agrees).to.equal(false);
      // Made at most 4 s before the service's time, in a second that ended 3 s before the first read.
      expect(comparison?.offsetMs).to.equal(-3_000);
      expect(() => scene.clock.now()).to.throw(/block 1's time is 3\.0 s behind the service clock/);
    });
  });

  describe("when the reads are far apart", function () {
    it("gives the block the benefit of the whole window it may have been made in", async function () {
      const scene = new Scene();
      await scene.clock.checkOnce();
      // The block was made just after the first read; it is seen a minute later.
      scene.wait(100);
      scene.mine(0);
      scene.wait(60_000);
      expect((await scene.clock.checkOnce())?.agrees).to.equal(true);
    });
  });

  describe("when the chain is rolled back or the same height is replaced", function () {
    it("ignores a lower head, and compares a new block at the same height", async function () {
      const scene = new Scene();
      scene.mine(0);
      await scene.clock.checkOnce();
      scene.blocks.pop();
      expect(await scene.clock.checkOnce()).to.equal(undefined);
      scene.mine(0, 1);
      scene.wait(500);
      await scene.clock.checkOnce();
      scene.blocks.pop();
      scene.mine(10_000, 2);
      expect((await scene.clock.checkOnce())?.agrees).to.equal(false);
    });
  });

  describe("start and stop", function () {
    it("reads the head on a timer, and an unreachable chain leaves the last comparison standing", async function () {
      let reachable = true;
      let reads = 0;
      const blocks: BlockRef[] = [{ number: 1, hash: hashOf(1, 0), timestamp: seconds(Date.now()) }];
      const { log } = capturedLogger();
      const clock = new ChainClock(
        {
          chain: {
            headNumber: async () => {
              reads++;
              if (!reachable) throw new Error("ECONNREFUSED");
              return blocks.at(-1)!.number;
            },
            blockAt: async (number) => blocks.find((b) => b.number === number),
          },
          log,
        },
        { accuracyMs: 1_000, intervalMs: 20 },
      );
      clock.start();
      while (reads < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      blocks.push({ number: 2, hash: hashOf(2, 0), timestamp: seconds(Date.now()) + 3_600 });
      while (clock.latest === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(clock.latest.agrees).to.equal(false);
      reachable = false;
      const failedReads = reads;
      while (reads < failedReads + 3) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(() => clock.now()).to.throw(ChainClockError);
      await clock.stop();
      const stoppedAt = reads;
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(reads).to.equal(stoppedAt);
    });
  });
});
