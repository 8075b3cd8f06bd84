import { expect } from "chai";
import type { TransactionReceipt } from "ethers";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { httpJsonRpc, refusalIn } from "../../../server/chain/json-rpc";
import { TxSender, withRetry, type SendingAccount } from "../../../server/chain/tx-sender";
import { DocproofError, isDocproofError } from "../../../server/errors";
import { rejectionOf, settle } from "../../support/unit-fixtures";

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

  describe("through the plain JSON-RPC client", function () {
    let server: Server;
    let url: string;
    let requests = 0;

    before(async function () {
      // A node that refuses every call as its path says: a nonce used already (/), its own
      // internal error (/internal), or its proxy overloaded (/busy) or refusing (/bad).
      server = createServer((request, response) => {
        requests++;
        request.resume().on("end", () => {
          const path = new URL(request.url ?? "/", "http://localhost").pathname;
          if (path === "/busy" || path === "/bad") {
            response.statusCode = path === "/busy" ? 503 : 400;
            response.end("not now");
            return;
          }
          const error =
            path === "/internal"
              ? { code: -32603, message: "internal error" }
              : { code: -32000, message: "nonce too low", data: "0x1234" };
          response.setHeader("content-type", "application/json");
          response.end(JSON.stringify({ jsonrpc: "2.0", id: 1, error }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(function () {
      server.close();
    });

    it("tries again when the node cannot be reached (the failure typed, the network's error its cause)", async function () {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const rpc = httpJsonRpc(`http://127.0.0.1:${port}`);
      let calls = 0;
      const error = await withRetry(FAST, () => {
        calls++;
        return rpc.send("eth_sendRawTransaction", ["0x00"]);
      }).catch((e: unknown) => e);
      expect(isDocproofError(error) && error.code).to.equal("chain-unavailable");
      expect(calls).to.equal(FAST.attempts);
    });

    const attempts = async (path: string) => {
      const rpc = httpJsonRpc(`${url}${path}`);
      const before = requests;
      const error = await withRetry(FAST, () => rpc.send("eth_sendRawTransaction", ["0x00"])).catch((e: unknown) => e);
      return { error: error as Error, requests: requests - before };
    };

    it("does not try again when the node answers with a refusal, which it carries whole", async function () {
      const { error, requests: made } = await attempts("/?key=a-key-in-the-url");
      expect(made).to.equal(1);
      expect(error.message).to.contain("nonce too low");
      expect(refusalIn(error)).to.include({ method: "eth_sendRawTransaction", rpcCode: -32000, data: "0x1234" });
      expect(error.message, "the node named by its origin only").to.contain(url).and.not.contain("a-key-in-the-url");
    });

    it("tries again when the node reports its own internal error", async function () {
      expect((await attempts("/internal")).requests).to.equal(FAST.attempts);
    });

    it("tries again when the node's proxy answers 503, and not when it answers 400", async function () {
      expect((await attempts("/busy")).requests).to.equal(FAST.attempts);
      const bad = await attempts("/bad");
      expect(bad.requests).to.equal(1);
      expect(isDocproofError(bad.error) && bad.error.code).to.equal("chain-unavailable");
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

/** A hand-settled promise. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const revert = () =>
  Object.assign(new Error("execution reverted: DocumentRegistryAlreadyAnchored"), { code: "CALL_EXCEPTION" });

/**
 * An account on a node that the test drives: the pending nonce is what the node would answer, and
 * each transaction's receipt arrives when the test says so (or at once with `autoConfirm`).
 */
class FakeAccount implements SendingAccount {
  readonly address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
  /** The node's pending nonce: transactions built through `build()` raise it. */
  nonce = 0;
  nonceReads = 0;
  autoConfirm = true;
  /** Every wait, in order, with its arguments. */
  readonly waits: { txHash: string; confirmations: number }[] = [];
  private readonly receipts = new Map<string, ReturnType<typeof deferred<TransactionReceipt | null>>>();

  async pendingNonce(): Promise<number> {
    this.nonceReads++;
    return this.nonce;
  }

  waitForReceipt(txHash: string, confirmations: number): Promise<TransactionReceipt | null> {
    this.waits.push({ txHash, confirmations });
    if (this.autoConfirm) return Promise.resolve(receiptOf(txHash));
    return this.receiptFor(txHash).promise;
  }

  confirm(txHash: string, receipt: TransactionReceipt | null = receiptOf(txHash)): void {
    this.receiptFor(txHash).resolve(receipt);
  }

  private receiptFor(txHash: string) {
    let receipt = this.receipts.get(txHash);
    if (receipt === undefined) this.receipts.set(txHash, (receipt = deferred<TransactionReceipt | null>()));
    return receipt;
  }

  /** A `build` for TxSender.send that records the nonces it was given and "sends" at that nonce. */
  builder(nonces: number[]) {
    return async (nonce: number) => {
      nonces.push(nonce);
      this.nonce = nonce + 1;
      return { hash: hashOf(nonce) };
    };
  }
}

const hashOf = (nonce: number) => `0x${nonce.toString(16).padStart(64, "0")}`;
const receiptOf = (hash: string) => ({ hash, status: 1, blockNumber: 7 }) as unknown as TransactionReceipt;

describe("TxSender", function () {
  let account: FakeAccount;
  let sender: TxSender;

  beforeEach(function () {
    account = new FakeAccount();
    sender = new TxSender(account, { confirmations: 2, retry: FAST });
  });

  describe("send", function () {
    describe("when transactions are sent one after another", function () {
      it("reads the node's pending nonce before each one", async function () {
        const nonces: number[] = [];
        await sender.send(account.builder(nonces));
        // Something else made the node's pending nonce jump: the next send must use the node's.
        account.nonce = 5;
        const receipt = await sender.send(account.builder(nonces));
        expect(nonces).to.deep.equal([0, 5]);
        expect(account.nonceReads).to.equal(2);
        expect(receipt.hash).to.equal(hashOf(5));
        expect(account.waits).to.deep.equal([
          { txHash: hashOf(0), confirmations: 2 },
          { txHash: hashOf(5), confirmations: 2 },
        ]);
      });
    });

    describe("when a second send is asked while the first is unconfirmed", function () {
      it("builds the second only after the first is confirmed", async function () {
        account.autoConfirm = false;
        const nonces: number[] = [];
        const first = sender.send(account.builder(nonces));
        const second = sender.send(account.builder(nonces));
        await settle();
        expect(nonces).to.deep.equal([0]);

        account.confirm(hashOf(0));
        expect((await first).hash).to.equal(hashOf(0));
        await settle();
        expect(nonces).to.deep.equal([0, 1]);
        account.confirm(hashOf(1));
        expect((await second).hash).to.equal(hashOf(1));
      });
    });

    describe("when building the transaction fails transiently", function () {
      it("reads the nonce again, retries and succeeds", async function () {
        let attempts = 0;
        const receipt = await sender.send(async (nonce) => {
          attempts++;
          if (attempts === 1) throw Object.assign(new Error("the connection was reset"), { code: "ECONNRESET" });
          return { hash: hashOf(nonce) };
        });
        expect(attempts).to.equal(2);
        expect(account.nonceReads).to.equal(2);
        expect(receipt.hash).to.equal(hashOf(0));
      });
    });

    describe("when the transaction reverts", function () {
      it("fails without retrying, keeping the revert", async function () {
        let attempts = 0;
        const reverted = revert();
        const error = await rejectionOf(
          sender.send(async () => {
            attempts++;
            throw reverted;
          }),
        );
        expect(attempts).to.equal(1);
        expect(error === reverted || error.cause === reverted, String(error)).to.equal(true);
        expect(account.waits).to.deep.equal([]);
      });
    });

    describe("when onSent throws", function () {
      it("waits for the transaction, then rethrows, and sends nothing else meanwhile", async function () {
        account.autoConfirm = false;
        const diskFull = new DocproofError("store-unavailable", "The store could not record the transaction.");
        let settled = false;
        const first = rejectionOf(
          sender.send(account.builder([]), () => {
            throw diskFull;
          }),
        ).finally(() => (settled = true));
        const nextNonces: number[] = [];
        const next = sender.send(account.builder(nextNonces));
        await settle();
        expect(account.waits.map((wait) => wait.txHash)).to.deep.equal([hashOf(0)]);
        expect(settled, "the failure waits for the transaction").to.equal(false);
        expect(nextNonces).to.deep.equal([]);

        account.confirm(hashOf(0));
        expect(await first).to.equal(diskFull);
        await settle();
        expect(nextNonces).to.deep.equal([1]);
        account.confirm(hashOf(1));
        await next;
      });
    });

    describe("when the node gives no receipt in time", function () {
      it("fails with chain-unavailable", async function () {
        account.autoConfirm = false;
        const sending = rejectionOf(sender.send(account.builder([])));
        await settle();
        account.confirm(hashOf(0), null);
        const error = await sending;
        expect(isDocproofError(error, "chain-unavailable"), String(error)).to.equal(true);
        expect(error.message).to.include(hashOf(0));
      });
    });

    describe("when one send fails", function () {
      it("still sends the next", async function () {
        const failed = sender.send(async () => {
          throw revert();
        });
        const nonces: number[] = [];
        const next = sender.send(account.builder(nonces));
        await rejectionOf(failed);
        expect((await next).hash).to.equal(hashOf(0));
        expect(nonces).to.deep.equal([0]);
      });
    });
  });
});
