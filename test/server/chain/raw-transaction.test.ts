import { expect } from "chai";
import { getBytes, hexlify, Transaction, Wallet } from "ethers";
import { randomBytes } from "node:crypto";
import { signCall, type GasFees } from "../../../server/chain/raw-transaction";

describe("signCall", function () {
  const wallet = Wallet.createRandom();
  const key = getBytes(wallet.privateKey);
  const to = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  // As large as a batch transaction's calldata.
  const data = randomBytes(124_932);

  const cases: { name: string; fees: GasFees; type: number }[] = [
    { name: "EIP-1559 fees", fees: { maxFeePerGas: 2_000_000_007n, maxPriorityFeePerGas: 1_000_000_000n }, type: 2 },
    { name: "a gas price (a chain without a base fee)", fees: { gasPrice: 1_000_000_000n }, type: 0 },
    { name: "free gas", fees: { gasPrice: 0n }, type: 0 },
  ];
  for (const { name, fees, type } of cases) {
    describe(`with ${name}`, function () {
      const call = { chainId: 1_337_001, nonce: 41, to, data, gasLimit: 5_123_456n, fees };
      const signed = signCall(call, key);

      it(`makes the bytes ethers' signer makes for a type ${type} transaction`, async function () {
        const raw = await wallet.signTransaction({ ...call, data: hexlify(data), type, ...fees });
        expect(signed.raw).to.equal(raw);
      });

      it("names the transaction by the keccak-256 of those bytes, signed by the key, for the chain", function () {
        const parsed = Transaction.from(signed.raw);
        expect(signed.hash).to.equal(parsed.hash);
        expect(parsed.from).to.equal(wallet.address);
        expect(parsed.chainId).to.equal(1_337_001n);
        expect(parsed.type).to.equal(type);
        expect(parsed.nonce).to.equal(41);
        expect(parsed.data).to.equal(hexlify(data));
      });
    });
  }
});
