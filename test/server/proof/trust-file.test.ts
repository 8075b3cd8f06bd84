import { expect } from "chai";
import { getAddress, id, Wallet } from "ethers";
import { verifySeals } from "../../../server/proof/seals";
import { isTrustAnchorError } from "../../../server/proof/trust-errors";
import {
  buildTrustFile,
  majorityOf,
  parseTrustFile,
  serializeTrustFile,
  trustedWitness,
} from "../../../server/proof/trust-file";
import { keyOf, sealBftHeader, sortedAddresses } from "./sealed-headers";

const REGISTRY = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const MEMBERS = ["Alice", "Bob", "Carol", "Dave"].map((name) => ({ name, wallet: new Wallet(id(`member ${name}`)) }));
const REGISTRARS = MEMBERS.map(({ name, wallet }) => ({ address: wallet.address.toLowerCase(), name }));

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("Trust file", function () {
  describe("buildTrustFile", function () {
    it("lists the registrars with checksummed addresses and a strict majority as threshold", function () {
      const trust = buildTrustFile({ chainId: 31337, registry: REGISTRY, registrars: REGISTRARS });
      expect(trust).to.deep.equal({
        version: 1,
        chainId: 31337,
        registry: getAddress(REGISTRY),
        threshold: 3,
        witnesses: MEMBERS.map(({ name, wallet }) => ({ address: wallet.address, name })),
      });
      expect([1, 2, 3, 4, 5].map(majorityOf)).to.deep.equal([1, 2, 2, 3, 3]);
    });

    it("keeps an explicit threshold and the chain's validators", function () {
      const validators = sortedAddresses([keyOf("v1"), keyOf("v2")]);
      const trust = buildTrustFile({
        chainId: 7,
        registry: REGISTRY,
        registrars: [{ address: REGISTRARS[0].address }],
        threshold: 1,
        consensus: { engine: "qbft", validators },
      });
      expect(trust.threshold).to.equal(1);
      expect(trust.witnesses).to.deep.equal([{ address: MEMBERS[0].wallet.address }]);
      expect(trust.consensus).to.deep.equal({ engine: "qbft", validators });
    });

    describe("when the registrars cannot make a trust file", function () {
      it("refuses a duplicate member, a threshold above the count, and no member at all", function () {
        for (const input of [
          { registrars: [REGISTRARS[0], { address: REGISTRARS[0].address.toUpperCase().replace("0X", "0x") }] },
          { registrars: REGISTRARS, threshold: 5 },
          { registrars: [] },
        ]) {
          const error = errorOf(() => buildTrustFile({ chainId: 1, registry: REGISTRY, ...input }));
          expect(isTrustAnchorError(error, "trust-file-invalid"), JSON.stringify(input)).to.be.true;
        }
      });
    });
  });

  describe("parseTrustFile", function () {
    const trust = buildTrustFile({ chainId: 31337, registry: REGISTRY, registrars: REGISTRARS, threshold: 2 });

    it("reads back what serializeTrustFile writes", function () {
      const text = serializeTrustFile(trust);
      expect(text.endsWith("}\n")).to.be.true;
      expect(parseTrustFile(text)).to.deep.equal(trust);
      expect(parseTrustFile(Buffer.from(text))).to.deep.equal(trust);
    });

    it("refuses what is not a version 1 trust file, saying where", function () {
      const cases: [unknown, string][] = [
        ["{not json", "not valid JSON"],
        [{ ...trust, version: 2 }, "version"],
        [{ ...trust, threshold: 9 }, "threshold: is 9, more than the 4 witnesses listed"],
        [{ ...trust, witnesses: [...trust.witnesses, trust.witnesses[1]] }, "witnesses.4.address: is listed twice"],
        [{ ...trust, witnesses: [{ address: "0x1234" }] }, "witnesses.0.address: must be an Ethereum address"],
        [{ ...trust, extra: true }, "extra"],
        [{ ...trust, consensus: { engine: "pow", validators: [REGISTRY] } }, "consensus.engine"],
      ];
      for (const [input, words] of cases) {
        const error = errorOf(() => parseTrustFile(input));
        expect(isTrustAnchorError(error, "trust-file-malformed"), words).to.be.true;
        expect((error as Error).message, words).to.contain(words);
      }
    });
  });

  describe("trustedWitness", function () {
    it("finds a member by address in any case, and nobody else", function () {
      const trust = buildTrustFile({ chainId: 1, registry: REGISTRY, registrars: REGISTRARS });
      expect(trustedWitness(trust, MEMBERS[1].wallet.address.toLowerCase())?.name).to.equal("Bob");
      expect(trustedWitness(trust, keyOf("stranger").address)).to.be.undefined;
      expect(trustedWitness(trust, "nonsense")).to.be.undefined;
    });
  });

  describe("consensus section", function () {
    it("is what verifySeals takes to check a header's seals", function () {
      const validators = [1, 2, 3, 4].map((n) => keyOf(`validator ${n}`));
      const trust = parseTrustFile(
        serializeTrustFile(
          buildTrustFile({
            chainId: 1337,
            registry: REGISTRY,
            registrars: REGISTRARS,
            consensus: { engine: "ibft2", validators: sortedAddresses(validators) },
          }),
        ),
      );
      const sealed = sealBftHeader({ engine: "ibft2", validators });
      const report = verifySeals(sealed.rlp, trust.consensus!, { expectedBlockHash: sealed.blockHash });
      expect(report.ok).to.be.true;
    });
  });
});
