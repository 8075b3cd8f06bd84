import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import hre from "hardhat";
import DocumentRegistryModule from "../../../ignition/modules/DocumentRegistry";
import type { DocumentRegistry } from "../../../typechain-types";
import { buildReceiptV2 } from "../../../server/chain/evidence-builder";
import { eip1193JsonRpc } from "../../../server/chain/json-rpc";
import { isDocproofError } from "../../../server/errors";
import { checkpointOf, extendHistory, startHistory } from "../../../server/proof/history-accumulator";
import { parseReceipt, serializeReceipt, type ReceiptV1 } from "../../../server/proof/receipt";
import { parseAnyReceipt, parseReceiptV2, receiptV1Of, type ReceiptV2 } from "../../../server/proof/receipt-v2";
import { ROOT } from "../../support/processes";
import { anchorSamples } from "./evidence-fixture";

const schemaOf = (name: string) => JSON.parse(readFileSync(path.join(ROOT, "docs", name), "utf8")) as object;
const asJson = (value: unknown) => JSON.parse(serializeReceipt(value as ReceiptV2)) as Record<string, unknown>;

function malformed(input: unknown): string {
  try {
    parseAnyReceipt(input);
  } catch (error) {
    expect(isDocproofError(error, "receipt-malformed"), String(error)).to.equal(true);
    return (error as Error).message;
  }
  throw new Error("expected receipt-malformed");
}

describe("receipt v2", function () {
  let v1: ReceiptV1;
  let v2: ReceiptV2;

  before(async function () {
    const [registrar, , , , , stranger] = await hre.ethers.getSigners();
    const { registry } = await hre.ignition.deploy(DocumentRegistryModule);
    const { batch } = await anchorSamples({
      registry: (registry as unknown as DocumentRegistry).connect(registrar),
      stranger,
      provider: hre.ethers.provider,
      send: (method, params) => hre.network.provider.request({ method, params }),
      chainId: Number((await hre.ethers.provider.getNetwork()).chainId),
    });
    v1 = batch;
    v2 = await buildReceiptV2(eip1193JsonRpc(hre.network.provider), v1);
  });

  describe("parseAnyReceipt", function () {
    it("reads a version 1 receipt as version 1 and a version 2 receipt as version 2", function () {
      expect(parseAnyReceipt(serializeReceipt(v1))).to.deep.equal(v1);
      expect(parseAnyReceipt(serializeReceipt(v2))).to.deep.equal(v2);
      expect(parseAnyReceipt(Buffer.from(serializeReceipt(v2)))).to.deep.equal(v2);
    });

    it("keeps every version 1 field of a version 2 receipt, with the same values", function () {
      expect(receiptV1Of(v2)).to.deep.equal(v1);
      expect(Object.keys(v2)).to.deep.equal([...Object.keys(v1), "evidence"]);
    });

    it("passes witness cosignatures through", function () {
      const witnessed = {
        ...asJson(v2),
        evidence: {
          ...v2.evidence,
          witnesses: [{ signer: "0x000000000000000000000000000000000000dead", signature: `0x${"ab".repeat(65)}` }],
        },
      };
      const parsed = parseAnyReceipt(witnessed) as ReceiptV2;
      expect(parsed.evidence.witnesses).to.deep.equal([
        { signer: "0x000000000000000000000000000000000000dEaD", signature: `0x${"ab".repeat(65)}` },
      ]);
    });

    it("refuses other versions, missing evidence, unknown fields and malformed bytes, naming the field", function () {
      expect(malformed({ ...asJson(v1), version: 3 })).to.match(/not a Docproof receipt of version 1 or 2: version/);
      const { evidence: _evidence, ...withoutEvidence } = asJson(v2);
      expect(malformed(withoutEvidence)).to.match(/not a version 2 Docproof receipt: evidence/);
      expect(malformed({ ...asJson(v2), evidence: { ...v2.evidence, extra: 1 } })).to.match(/evidence/);
      const upper = { ...v2.evidence, block: { ...v2.evidence.block, header: v2.evidence.block.header.toUpperCase() } };
      expect(malformed({ ...asJson(v2), evidence: upper })).to.match(/evidence\.block\.header/);
      const odd = {
        ...v2.evidence,
        transaction: { ...v2.evidence.transaction, raw: `${v2.evidence.transaction.raw}0` },
      };
      expect(malformed({ ...asJson(v2), evidence: odd })).to.match(/evidence\.transaction\.raw/);
      expect(malformed("{")).to.equal("The receipt is not valid JSON.");
    });
  });

  describe("parseReceiptV2", function () {
    it("refuses a version 1 receipt: it has no evidence to check offline", function () {
      expect(() => parseReceiptV2(serializeReceipt(v1))).to.throw(/version 1: it carries no evidence/);
    });
  });

  describe("parseReceipt (version 1 only)", function () {
    it("still refuses a version 2 receipt, as before", function () {
      expect(() => parseReceipt(serializeReceipt(v2))).to.throw(/not a version 1 Docproof receipt/);
    });
  });

  describe("the JSON Schemas in docs/", function () {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const validateV1 = ajv.compile(schemaOf("receipt-v1.schema.json"));
    const validateV2 = ajv.compile(schemaOf("receipt-v2.schema.json"));
    const validateCheckpoint = ajv.compile(schemaOf("checkpoint.schema.json"));

    it("accept the receipts the code makes, each of its own version only", function () {
      expect(validateV1(asJson(v1)), JSON.stringify(validateV1.errors)).to.equal(true);
      expect(validateV2(asJson(v2)), JSON.stringify(validateV2.errors)).to.equal(true);
      expect(validateV1(asJson(v2))).to.equal(false);
      expect(validateV2(asJson(v1))).to.equal(false);
    });

    it("refuse what the zod schema refuses: an unknown field, a malformed header", function () {
      expect(validateV2({ ...asJson(v2), extra: true })).to.equal(false);
      const upper = { ...v2.evidence, block: { ...v2.evidence.block, header: v2.evidence.block.header.toUpperCase() } };
      expect(validateV2({ ...asJson(v2), evidence: upper })).to.equal(false);
    });

    it("accept a checkpoint the code makes", function () {
      const genesis = `0x${"11".repeat(32)}` as const;
      const checkpoint = checkpointOf(
        extendHistory(startHistory(31337, genesis), [{ number: 1, hash: `0x${"22".repeat(32)}`, parentHash: genesis }]),
      );
      expect(
        validateCheckpoint(JSON.parse(JSON.stringify(checkpoint))),
        JSON.stringify(validateCheckpoint.errors),
      ).to.equal(true);
    });
  });
});
