import { expect } from "chai";
import { randomBytes, randomInt } from "node:crypto";
import { JsonRpcProvider, Network, toQuantity } from "ethers";
import {
  checkpointFromNode,
  epochHashesFromNode,
  extendHistoryFromNode,
  historyLinker,
} from "../../../server/chain/history-accumulator";
import { httpJsonRpc, type JsonRpcCall, type JsonRpcPort } from "../../../server/chain/json-rpc";
import { isDocproofError } from "../../../server/errors";
import { isEvidenceError } from "../../../server/proof/evidence-error";
import {
  checkpointOf,
  checkReceiptLink,
  extendHistory,
  startHistory,
  type BlockLink,
} from "../../../server/proof/history-accumulator";
import type { Hex32 } from "../../../server/proof/digest";
import { freePort, groupAlive, startAnvil, waitForRpc, type ManagedProcess } from "../../support/processes";

const BLOCKS = 3_000;

/** The port, counting the blocks it is asked for and letting a test alter what the node answers. */
function observedPort(port: JsonRpcPort, alter: (call: JsonRpcCall, answer: unknown) => unknown = (_c, a) => a) {
  const observed = { blocksRead: 0, batches: 0 };
  const count = (calls: readonly JsonRpcCall[]) => {
    observed.blocksRead += calls.filter((call) => call.method === "eth_getBlockByNumber").length;
  };
  const wrapped: JsonRpcPort = {
    async send(method, params) {
      count([{ method, params }]);
      return alter({ method, params }, await port.send(method, params));
    },
    async sendBatch(calls) {
      count(calls);
      observed.batches += 1;
      const answers = await port.sendBatch!(calls);
      return answers.map((answer, i) => alter(calls[i], answer));
    },
  };
  return { port: wrapped, observed };
}

async function captureError(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("history accumulator from a node (Anvil)", function () {
  this.timeout(180_000);
  const chainId = 600_000 + randomInt(100_000);
  let node: ManagedProcess;
  let rpcUrl: string;

  before(async function () {
    const port = await freePort();
    rpcUrl = `http://127.0.0.1:${port}`;
    node = startAnvil(port, chainId);
    await waitForRpc(rpcUrl, node);
    await httpJsonRpc(rpcUrl).send("anvil_mine", [toQuantity(BLOCKS)]);
  });

  after(async function () {
    if (node) {
      const pid = node.pid;
      await node.stop();
      expect(groupAlive(pid), "node processes left running").to.equal(false);
    }
  });

  describe("checkpointFromNode", function () {
    it("commits to the block hashes the node reports one by one, in batched requests", async function () {
      const { port, observed } = observedPort(httpJsonRpc(rpcUrl));
      const { checkpoint, history } = await checkpointFromNode(port, { batchSize: 250 });
      expect(checkpoint.blockNumber).to.equal(BLOCKS);
      expect(checkpoint.chainId).to.equal(chainId);
      expect(observed.batches).to.equal(Math.ceil(BLOCKS / 250));

      const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true, batchMaxCount: 1 });
      try {
        const blocks: BlockLink[] = [];
        for (let n = 1; n <= BLOCKS; n++) {
          const block = (await provider.getBlock(n))!;
          blocks.push({ number: n, hash: block.hash as Hex32, parentHash: block.parentHash as Hex32 });
        }
        const genesis = (await provider.getBlock(0))!.hash as Hex32;
        const oneByOne = extendHistory(startHistory(chainId, genesis), blocks);
        expect(history).to.deep.equal(oneByOne);
        expect(checkpoint).to.deep.equal(checkpointOf(oneByOne));
        expect(checkpoint.blockHash).to.equal(blocks[blocks.length - 1].hash);
        expect(checkpoint.genesisHash).to.equal(genesis);
      } finally {
        provider.destroy();
      }
    });

    it("extends a kept history by reading only the blocks after it", async function () {
      const first = await checkpointFromNode(httpJsonRpc(rpcUrl), { toBlock: 1_000 });
      expect(first.checkpoint.blockNumber).to.equal(1_000);
      const { port, observed } = observedPort(httpJsonRpc(rpcUrl));
      const extended = await checkpointFromNode(port, { history: first.history, toBlock: BLOCKS });
      // The genesis is read once more, to be sure the history is this chain's.
      expect(observed.blocksRead).to.equal(BLOCKS - 1_000 + 1);
      const fromScratch = await checkpointFromNode(httpJsonRpc(rpcUrl), { toBlock: BLOCKS });
      expect(extended.checkpoint).to.deep.equal(fromScratch.checkpoint);
    });

    it("refuses a chain whose blocks do not link by parent hash", async function () {
      const { port } = observedPort(httpJsonRpc(rpcUrl), (call, answer) =>
        call.params[0] === toQuantity(1_234) ? { ...(answer as object), parentHash: `0x${"ee".repeat(32)}` } : answer,
      );
      const error = await captureError(() => checkpointFromNode(port));
      expect(isEvidenceError(error, "history-broken"), String(error)).to.equal(true);
      expect((error as Error).message).to.match(/Block 1234 names parent 0x(ee)+, but block 1233 is/);
    });

    it("refuses to extend the history of another chain", async function () {
      const { history } = await checkpointFromNode(httpJsonRpc(rpcUrl), { toBlock: 10 });
      const other = { ...history, genesisHash: `0x${randomBytes(32).toString("hex")}` as Hex32 };
      const error = await captureError(() => extendHistoryFromNode(httpJsonRpc(rpcUrl), other));
      expect(isDocproofError(error, "chain-mismatch"), String(error)).to.equal(true);
    });
  });

  describe("historyLinker", function () {
    it("links a block of a complete epoch, reading that epoch again, and a block of the last epoch", async function () {
      const { port, observed } = observedPort(httpJsonRpc(rpcUrl));
      const { history } = await checkpointFromNode(httpJsonRpc(rpcUrl), { epochSize: 1024 });
      expect(history.epochRoots).to.have.length(2);
      const linker = historyLinker(port, history);
      const hashes = await epochHashesFromNode(httpJsonRpc(rpcUrl), 0, 1024);

      const old = await linker.linkFor(500, hashes[500]);
      expect(observed.blocksRead).to.equal(1024);
      expect(checkReceiptLink(linker.checkpoint, 500, hashes[500], old)).to.equal(undefined);

      const recentHash = history.tail[2_900 - 2_048];
      const recent = await linker.linkFor(2_900, recentHash);
      expect(observed.blocksRead, "the last epoch is kept in the history").to.equal(1024);
      expect(checkReceiptLink(linker.checkpoint, 2_900, recentHash, recent)).to.equal(undefined);
      expect(checkReceiptLink(linker.checkpoint, 2_900, hashes[500], recent)).to.match(/commits to/);
    });

    it("refuses to link a block whose hash is not the one the history holds (a reorganisation since)", async function () {
      const { history } = await checkpointFromNode(httpJsonRpc(rpcUrl), { toBlock: 100 });
      const error = await captureError(() =>
        historyLinker(httpJsonRpc(rpcUrl), history).linkFor(50, `0x${randomBytes(32).toString("hex")}` as Hex32),
      );
      expect(isEvidenceError(error, "link-unavailable"), String(error)).to.equal(true);
    });
  });
});
