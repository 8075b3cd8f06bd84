import { expect } from "chai";
import { getAddress } from "ethers";
import { fromBytes32, toBytes32, type Hex32 } from "../../../server/proof/digest";
import { buildBatch } from "../../../server/proof/merkle";
import { buildReceipt, ReceiptV1Schema } from "../../../server/proof/receipt";
import { randomShas } from "../../support/unit-fixtures";

describe("buildReceipt", function () {
  const batch = buildBatch(randomShas(3).map(toBytes32));
  const member = batch.digests[0];
  const receiptWith = (registry: string, registrar: string) =>
    buildReceipt(fromBytes32(member), batch.proofOf(member), {
      merkleRoot: batch.root,
      leafCount: 3,
      chainId: 31337,
      registry,
      txHash: `0x${"ab".repeat(32)}` as Hex32,
      blockNumber: 7,
      timestamp: 1_700_000_000,
      registrar,
    });

  it("writes both addresses in EIP-55 form however they are given, the first time and every time after", function () {
    const registry = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    const registrar = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
    for (const [givenRegistry, givenRegistrar] of [
      [registry, registrar],
      [registry, registrar],
      [getAddress(registry), registrar.toUpperCase().replace("0X", "0x")],
    ]) {
      const receipt = receiptWith(givenRegistry, givenRegistrar);
      expect(receipt.registry).to.equal("0x5FbDB2315678afecb367f032d93F642f64180aa3");
      expect(receipt.registrar).to.equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
      expect(ReceiptV1Schema.safeParse(receipt).success).to.equal(true);
    }
  });

  it("refuses an address that is not one, every time it is given", function () {
    for (let i = 0; i < 2; i++)
      expect(() => receiptWith("0x1234", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")).to.throw();
  });
});
