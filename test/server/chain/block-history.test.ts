import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BlockHistoryKeeper } from "../../../server/chain/block-history";
import { checkpointFromNode } from "../../../server/chain/history-accumulator";
import { httpJsonRpc, type JsonRpcPort } from "../../../server/chain/json-rpc";
import type { Hex32 } from "../../../server/proof/digest";
import { isEvidenceError } from "../../../server/proof/evidence-error";
import { BlockHashHistorySchema, checkReceiptLink } from "../../../server/proof/history-accumulator";
import { TestChain } from "../service-fixture";

describe("BlockHistoryKeeper", function () {
  this.timeout(60_000);
  const chain = new TestChain();
  let port: JsonRpcPort;
  let dir: string;
  const file = () => path.join(dir, "block-history.json");

  const blockHash = async (n: number) =>
    ((await port.send("eth_getBlockByNumber", [`0x${n.toString(16)}`, false])) as { hash: string }).hash as Hex32;

  before(async function () {
    await chain.start();
    port = httpJsonRpc(chain.rpcUrl);
  });

  after(async function () {
    await chain.stop();
  });

  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), "docproof-history-"));
  });

  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads up to the final head only, in steps, saving the history after each", async function () {
    await port.send("anvil_mine", ["0x19"]);
    const latest = Number(await port.send("eth_blockNumber", []));
    const keeper = new BlockHistoryKeeper(port, { file: file(), confirmations: 3, blocksPerStep: 7 });
    expect(keeper.checkpoint()).to.equal(undefined);
    expect(await keeper.catchUp()).to.equal(latest - 2);
    const checkpoint = keeper.checkpoint()!;
    expect(checkpoint.blockNumber).to.equal(latest - 2);
    expect(checkpoint).to.deep.equal((await checkpointFromNode(port, { toBlock: latest - 2 })).checkpoint);
    const saved = BlockHashHistorySchema.parse(JSON.parse(readFileSync(file(), "utf8")));
    expect(saved.head.blockNumber).to.equal(latest - 2);
  });

  it("links a block to its checkpoint, and none past it or with another hash", async function () {
    await port.send("anvil_mine", ["0x5"]);
    const keeper = new BlockHistoryKeeper(port, { file: file(), confirmations: 1 });
    const head = (await keeper.catchUp())!;
    const link = (await keeper.linkFor(3, await blockHash(3)))!;
    expect(checkReceiptLink(keeper.checkpoint()!, 3, await blockHash(3), link)).to.equal(undefined);
    expect(await keeper.linkFor(head + 1, await blockHash(head))).to.equal(undefined);
    expect(await keeper.linkFor(3, `0x${"00".repeat(32)}` as Hex32)).to.equal(undefined);
  });

  it("resumes from its file after a restart, and rebuilds one that does not parse", async function () {
    await port.send("anvil_mine", ["0x4"]);
    const first = new BlockHistoryKeeper(port, { file: file(), confirmations: 1 });
    await first.catchUp();
    await port.send("anvil_mine", ["0x2"]);
    const second = new BlockHistoryKeeper(port, { file: file(), confirmations: 1 });
    await second.catchUp();
    expect(second.checkpoint()).to.deep.equal((await checkpointFromNode(port)).checkpoint);

    writeFileSync(file(), "{ not json");
    const third = new BlockHistoryKeeper(port, { file: file(), confirmations: 1 });
    await third.catchUp();
    expect(third.checkpoint()).to.deep.equal((await checkpointFromNode(port)).checkpoint);
    expect(existsSync(file())).to.equal(true);
  });

  it("starts again from the genesis when the chain no longer holds its blocks", async function () {
    const snapshot = await port.send("evm_snapshot", []);
    await port.send("anvil_mine", ["0x6"]);
    const keeper = new BlockHistoryKeeper(port, { file: file(), confirmations: 1 });
    await keeper.catchUp();
    const before = keeper.checkpoint()!;
    await port.send("evm_revert", [snapshot]);
    // Other blocks at the same heights, and beyond.
    await port.send("evm_setNextBlockTimestamp", [before.blockNumber + 2_000_000_000]);
    await port.send("anvil_mine", ["0x8"]);
    await keeper.catchUp();
    const after = keeper.checkpoint()!;
    expect(after.blockNumber).to.be.greaterThan(before.blockNumber);
    expect(after).to.deep.equal((await checkpointFromNode(port)).checkpoint);
  });

  it("gives up, without reading again and again, on a chain that does not link from its genesis", async function () {
    // As Hardhat's node reports blocks made by hardhat_mine: a parent hash of zero.
    let reads = 0;
    const unlinked: JsonRpcPort = {
      async send(method, params) {
        if (method === "eth_chainId") return "0x7a69";
        if (method === "eth_blockNumber") return "0x5";
        reads++;
        const n = Number(params[0] as string);
        return {
          number: `0x${n.toString(16)}`,
          hash: `0x${(n + 1).toString(16).padStart(64, "0")}`,
          parentHash: `0x${"00".repeat(32)}`,
        };
      },
    };
    const keeper = new BlockHistoryKeeper(unlinked, { file: file(), confirmations: 1 });
    const error = await keeper.catchUp().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isEvidenceError(error, "history-broken"), String(error)).to.equal(true);
    expect(reads).to.be.lessThan(20);
    expect(keeper.checkpoint()).to.equal(undefined);
  });
});
