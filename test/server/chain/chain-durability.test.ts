import { expect } from "chai";
import { coalesce, NO_DURABILITY } from "../../../server/chain/chain-durability";

/** A save that finishes when the test says so, and remembers when it began. */
class ControlledSaves {
  readonly started: { finish: () => void; fail: (error: Error) => void }[] = [];

  readonly save = () =>
    new Promise<void>((resolve, reject) => {
      this.started.push({ finish: resolve, fail: reject });
    });
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("coalesce", function () {
  describe("when no save is running", function () {
    it("starts one at once", async function () {
      const saves = new ControlledSaves();
      const flush = coalesce(saves.save);
      const done = flush();
      expect(saves.started).to.have.length(1);
      saves.started[0].finish();
      await done;
    });
  });

  describe("when a save is running", function () {
    it("answers later callers with one save that begins after the running one", async function () {
      const saves = new ControlledSaves();
      const flush = coalesce(saves.save);
      const first = flush();
      const finished: string[] = [];
      const later = [flush(), flush(), flush()].map((p, i) => p.then(() => finished.push(`later ${i}`)));
      await settle();
      expect(saves.started, "a second save before the first ended").to.have.length(1);
      saves.started[0].finish();
      await first;
      await settle();
      expect(finished, "answered by the save that began before their call").to.deep.equal([]);
      expect(saves.started).to.have.length(2);
      saves.started[1].finish();
      await Promise.all(later);
      expect(finished).to.have.length(3);
      expect(saves.started).to.have.length(2);
    });

    it("queues at most one save however many callers wait", async function () {
      const saves = new ControlledSaves();
      const flush = coalesce(saves.save);
      const first = flush();
      const waiting = Array.from({ length: 10 }, () => flush());
      saves.started[0].finish();
      await first;
      await settle();
      saves.started[1].finish();
      await Promise.all(waiting);
      expect(saves.started).to.have.length(2);
    });
  });

  describe("when a save fails", function () {
    it("rejects its callers and still serves the next call", async function () {
      const saves = new ControlledSaves();
      const flush = coalesce(saves.save);
      const failing = flush();
      const waiting = flush();
      saves.started[0].fail(new Error("disk full"));
      const error = await failing.catch((e: Error) => e);
      expect((error as Error).message).to.equal("disk full");
      await settle();
      saves.started[1].finish();
      await waiting;
      const next = flush();
      expect(saves.started).to.have.length(3);
      saves.started[2].finish();
      await next;
    });
  });
});

describe("NO_DURABILITY", function () {
  it("resolves at once: there is nothing of ours to save", async function () {
    await NO_DURABILITY.flush();
  });
});
