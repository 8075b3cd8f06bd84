import { expect } from "chai";
import { Transaction, Wallet } from "ethers";
import { randomBytes } from "node:crypto";
import { JsonRpcRefusal, httpJsonRpc } from "../../../server/chain/json-rpc";
import { RegistryClient } from "../../../server/chain/registry-client";
import { EthersRegistryWriter } from "../../../server/chain/registry-writer";
import { isDocproofError } from "../../../server/errors";
import { toBytes32, type Hex32, type Sha256Hex } from "../../../server/proof/digest";
import { buildBatch } from "../../../server/proof/merkle";
import { devAccount } from "../../support/dev-accounts";
import { TestChain } from "../service-fixture";

const digests = (n: number) => Array.from({ length: n }, () => toBytes32(randomBytes(32).toString("hex") as Sha256Hex));

/** The registry written over plain HTTP JSON-RPC, as the service writes it, on Anvil. */
describe("EthersRegistryWriter over HTTP JSON-RPC (Anvil)", function () {
  this.timeout(60_000);

  for (const { name, args, type } of [
    { name: "a chain with EIP-1559 fees", args: [], type: 2 },
    {
      name: "a chain without a base fee and with free gas",
      args: ["--hardfork", "berlin", "--gas-price", "0", "--base-fee", "0"],
      type: 0,
    },
  ]) {
    describe(`on ${name}`, function () {
      const chain = new TestChain();
      let writer: EthersRegistryWriter;
      let registry: RegistryClient;
      let registrar: Wallet;
      const calls: string[] = [];

      before(async function () {
        await chain.start(args);
        const address = await chain.deployRegistry();
        const provider = chain.provider();
        // The query stands for a key a hosted node's URL may carry: no message may show it.
        const http = httpJsonRpc(`${chain.rpcUrl}/?key=not-a-real-key`);
        const rpc = {
          send: (method: string, params: unknown[]) => {
            calls.push(method);
            return http.send(method, params);
          },
        };
        registry = new RegistryClient(provider, address, chain.chainId, rpc);
        registrar = new Wallet(devAccount(0).privateKey, provider);
        writer = new EthersRegistryWriter(registry, registrar, { confirmations: 1, rpc });
      });

      after(async function () {
        await chain.stop();
      });

      it(`anchors a batch with a type ${type} transaction signed by the registrar, read back whole`, async function () {
        const batch = buildBatch(digests(500));
        const anchored = await writer.anchorBatch(batch);
        const raw = (await chain.provider().send("eth_getRawTransactionByHash", [anchored.txHash])) as string;
        const tx = Transaction.from(raw);
        expect(tx.type).to.equal(type);
        expect(tx.from).to.equal(registrar.address);
        expect(tx.hash).to.equal(anchored.txHash);
        expect(await registry.anchorOf(batch.root)).to.include({ blockNumber: anchored.blockNumber });
        const events = await registry.eventsBetween(anchored.blockNumber, anchored.blockNumber);
        expect(events.anchorings.map((a) => a.digests)).to.deep.equal([batch.digests.map((d) => d.toLowerCase())]);
      });

      it("answers a transaction the registry refuses with the node's refusal, not an outage, and tries once", async function () {
        const [stranger] = digests(1);
        calls.length = 0;
        const error = await writer.revoke(stranger as Hex32, stranger as Hex32, [], 1).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(JsonRpcRefusal);
        expect(isDocproofError(error)).to.equal(false);
        expect((error as JsonRpcRefusal).method).to.equal("eth_estimateGas");
        expect((error as Error).message).to.match(/revert/i);
        expect((error as Error).message).to.not.include("not-a-real-key");
        expect(calls.filter((method) => method === "eth_estimateGas")).to.have.length(1);
      });
    });
  }
});
