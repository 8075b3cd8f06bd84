import { expect } from "chai";
import { withRetry } from "../../../server/chain/tx-sender";

const FAST = { attempts: 4, initialDelayMs: 1, maxDelayMs: 4 };

describe("withRetry", function () {
  describe("when the node fails transiently", function () {
    it("tries again and returns the first success", async function () {
      let calls = 0;
      const result = await withRetry(FAST, async () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" });
        return "mined";
      });
      expect(result).to.equal("mined");
      expect(calls).to.equal(3);
    });

    it("gives up after the configured attempts with the last error", async function () {
      let calls = 0;
      const error = await withRetry(FAST, async () => {
        calls++;
        throw Object.assign(new Error("server error"), { code: "SERVER_ERROR" });
      }).catch((e: Error) => e);
      expect((error as Error).message).to.equal("server error");
      expect(calls).to.equal(FAST.attempts);
    });
  });

  describe("when the transaction itself fails", function () {
    it("does not retry", async function () {
      let calls = 0;
      const error = await withRetry(FAST, async () => {
        calls++;
        throw Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION" });
      }).catch((e: Error) => e);
      expect((error as Error).message).to.equal("execution reverted");
      expect(calls).to.equal(1);
    });
  });
});
