import { expect } from "chai";
import type { JsonRpcProvider } from "ethers";
import { randomBytes } from "node:crypto";
import { anchorDigests } from "../../../server/cli/chain-anchoring";
import { connectRegistry, type RegistryConnection } from "../../../server/cli/chain-connection";
import { parseSha256, type Sha256Hex } from "../../../server/proof/digest";
import { verifyReceipt } from "../../../server/proof/verification";
import { deployedChain, deployer } from "./cli-fixture";

describe("anchorDigests (docproof notarize --rpc)", function () {
  this.timeout(120_000);
  let deployment: Awaited<ReturnType<typeof deployedChain>>;
  let connection: RegistryConnection;
  let provider: JsonRpcProvider;

  before(async function () {
    deployment = await deployedChain();
    connection = await connectRegistry(deployment.chain.rpcUrl, deployment.registry);
    provider = deployment.chain.provider();
  });

  after(async function () {
    connection?.close();
    provider?.destroy();
    await deployment?.stop();
  });

  describe("when there are more documents than a batch holds", function () {
    it("splits them into batches in digest order, each anchored once, every receipt confirmed by the chain", async function () {
      const digests = Array.from({ length: 7 }, () => parseSha256(randomBytes(32).toString("hex")));
      const writer = connection.writer(deployer.privateKey, 1);
      const nonceBefore = await provider.getTransactionCount(deployer.address);

      const receipts = await anchorDigests(connection.registry, writer, [...digests, digests[0]], 3);

      expect([...receipts.keys()].sort()).to.deep.equal([...digests].sort());
      const roots = new Map<string, Sha256Hex[]>();
      for (const [sha256, receipt] of receipts)
        roots.set(receipt.merkleRoot, [...(roots.get(receipt.merkleRoot) ?? []), sha256]);
      expect([...roots.values()].map((members) => members.length).sort()).to.deep.equal([1, 3, 3]);
      const sorted = [...digests].sort();
      expect([...roots.values()].flat().sort()).to.deep.equal(sorted);
      expect(roots.get(receipts.get(sorted[0])!.merkleRoot)).to.have.members(sorted.slice(0, 3));
      expect(await provider.getTransactionCount(deployer.address)).to.equal(nonceBefore + 3);
      for (const [sha256, receipt] of receipts) {
        expect((await verifyReceipt(sha256, receipt, connection.registry)).status).to.equal("anchored");
      }

      // The same documents again make the same batches: nothing is sent twice.
      const again = await anchorDigests(connection.registry, writer, [...digests].reverse(), 3);
      expect(await provider.getTransactionCount(deployer.address)).to.equal(nonceBefore + 3);
      for (const sha256 of digests) expect(again.get(sha256)).to.deep.equal(receipts.get(sha256));
    });
  });
});
