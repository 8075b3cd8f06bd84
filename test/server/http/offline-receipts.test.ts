import { expect } from "chai";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { DocumentRegistry__factory } from "../../../typechain-types";
import type { Sha256Hex } from "../../../server/proof/digest";
import { CheckpointSchema } from "../../../server/proof/history-accumulator";
import {
  checkpointAnchor,
  verifyReceiptOffline,
  witnessAnchor,
  OFFLINE_ANCHORED,
} from "../../../server/proof/offline-verification";
import { parseReceiptV2, type ReceiptV2 } from "../../../server/proof/receipt-v2";
import { buildTrustFile } from "../../../server/proof/trust-file";
import { devAccount } from "../../support/dev-accounts";
import { openTestService, TestChain, type ServiceHarness } from "../service-fixture";

const randomSha = () => randomBytes(32).toString("hex") as Sha256Hex;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe("receipts that need no trusted node (API)", function () {
  this.timeout(120_000);
  const chain = new TestChain();
  let member: ServiceHarness;
  let peer: ServiceHarness;
  let peerServer: Server;
  let registryAddress: string;
  const app = () => member.service.app;

  /** Notarizes `count` digests in one batch and waits until the history reaches their block. */
  async function anchored(count: number): Promise<Sha256Hex[]> {
    const digests = Array.from({ length: count }, randomSha);
    for (const sha256 of digests) await request(app()).post("/api/v1/documents").send({ sha256 }).expect(202);
    await member.service.anchorer.runOnce();
    await member.service.offlineReceipts.catchUp();
    return digests;
  }

  async function receiptV2(sha256: Sha256Hex): Promise<ReceiptV2> {
    const response = await request(app()).get(`/api/v1/documents/${sha256}/receipt?version=2`).expect(200);
    expect(response.headers["content-disposition"]).to.include(`${sha256}.receipt.json`);
    return parseReceiptV2(response.text);
  }

  before(async function () {
    await chain.start();
    registryAddress = await chain.deployRegistry();
    // A second member, with its own registrar key and its own service, witnesses the first's blocks.
    const provider = chain.provider();
    try {
      const registry = DocumentRegistry__factory.connect(registryAddress, devAccount(0).connect(provider));
      await (await registry.grantRole(await registry.REGISTRAR_ROLE(), devAccount(1).address)).wait();
    } finally {
      provider.destroy();
    }
    peer = await openTestService(chain, { registryAddress, privateKey: devAccount(1).privateKey });
    peerServer = peer.service.app.listen(0, "127.0.0.1");
    await once(peerServer, "listening");
    const peerUrl = `http://127.0.0.1:${(peerServer.address() as AddressInfo).port}`;
    member = await openTestService(chain, { registryAddress, witnessPeers: [peerUrl] });
  });

  after(async function () {
    peerServer?.closeAllConnections();
    peerServer?.close();
    await member?.close();
    await peer?.close();
    await chain.stop();
  });

  describe("GET /api/v1/documents/{sha256}/receipt?version=2", function () {
    it("serves the receipt with evidence, a link to the published checkpoint and both members' cosignatures", async function () {
      const [sha256] = await anchored(3);
      const v1 = (await request(app()).get(`/api/v1/documents/${sha256}/receipt`).expect(200)).body;
      const receipt = await receiptV2(sha256);
      const { evidence, version: _v, ...fields } = receipt;
      expect({ ...fields, version: 1 }).to.deep.equal(v1);
      expect(evidence.link?.checkpoint.blockNumber).to.be.at.least(receipt.blockNumber);
      expect(evidence.witnesses?.map((witness) => witness.signer)).to.deep.equal([
        devAccount(0).address,
        devAccount(1).address,
      ]);

      const checkpoint = CheckpointSchema.parse((await request(app()).get("/api/v1/checkpoint").expect(200)).body);
      expect(checkpoint).to.include({ chainId: chain.chainId, blockNumber: evidence.link!.checkpoint.blockNumber });
      const byCheckpoint = await verifyReceiptOffline(sha256, receipt, checkpointAnchor(checkpoint));
      expect(byCheckpoint.verdict.valid, byCheckpoint.verdict.reason).to.equal(true);
      expect(byCheckpoint.verdict.summary.startsWith(OFFLINE_ANCHORED)).to.equal(true);

      const trust = buildTrustFile({
        chainId: chain.chainId,
        registry: registryAddress,
        registrars: [{ address: devAccount(0).address }, { address: devAccount(1).address }],
        threshold: 2,
      });
      const byWitnesses = await verifyReceiptOffline(sha256, receipt, witnessAnchor(trust));
      expect(byWitnesses.verdict.valid, byWitnesses.verdict.reason).to.equal(true);
      expect(byWitnesses.checks.map((check) => check.name)).to.include.members([
        "trust-file-scope",
        "cosignature-format",
        "cosignature-signers",
        "witness-threshold",
      ]);
    });

    it("serves the same evidence for every member of a batch, with its own Merkle path", async function () {
      const digests = await anchored(4);
      const receipts = await Promise.all(digests.map(receiptV2));
      expect(new Set(receipts.map((receipt) => receipt.evidence.transaction.raw)).size).to.equal(1);
      expect(new Set(receipts.map((receipt) => JSON.stringify(receipt.proof))).size).to.equal(4);
      const checkpoint = CheckpointSchema.parse((await request(app()).get("/api/v1/checkpoint").expect(200)).body);
      for (const receipt of receipts) {
        const { verdict } = await verifyReceiptOffline(receipt.sha256, receipt, checkpointAnchor(checkpoint));
        expect(verdict.valid, verdict.reason).to.equal(true);
      }
    });

    it("serves a document another member anchored, from the index", async function () {
      const sha256 = randomSha();
      await request(peer.service.app).post("/api/v1/documents").send({ sha256 }).expect(202);
      await peer.service.anchorer.runOnce();
      await member.service.indexer.runOnce();
      await member.service.offlineReceipts.catchUp();
      const receipt = await receiptV2(sha256);
      expect(receipt.registrar).to.equal(devAccount(1).address);
      const checkpoint = member.service.offlineReceipts.checkpoint();
      const { verdict } = await verifyReceiptOffline(sha256, receipt, checkpointAnchor(checkpoint));
      expect(verdict.valid, verdict.reason).to.equal(true);
    });

    it("refuses a version other than 1 or 2, and a pending document as version 1 does", async function () {
      const sha256 = randomSha();
      const bad = await request(app()).get(`/api/v1/documents/${sha256}/receipt?version=3`).expect(400);
      expect(bad.body.type).to.equal("urn:docproof:problem:invalid-request");
      await request(app()).post("/api/v1/documents").send({ sha256 }).expect(202);
      const pending = await request(app()).get(`/api/v1/documents/${sha256}/receipt?version=2`).expect(409);
      expect(pending.body.type).to.equal("urn:docproof:problem:not-anchored");
    });
  });

  describe("POST /api/v1/verify with a version 2 receipt", function () {
    it("checks the registry, revocation included, and the evidence: JSON and multipart", async function () {
      const [sha256] = await anchored(2);
      const receipt = await receiptV2(sha256);
      const json = await request(app()).post("/api/v1/verify").send({ sha256, receipt }).expect(200);
      expect(json.body).to.include({ valid: true, status: "anchored" });
      const multipart = await request(app())
        .post("/api/v1/verify")
        .attach("file", Buffer.from("not this one"), "doc.bin")
        .attach("receipt", Buffer.from(JSON.stringify(receipt)), "r.receipt.json")
        .expect(200);
      expect(multipart.body.status).to.equal("unknown");
    });

    it("answers invalid-receipt, naming the check, when the evidence was altered", async function () {
      const [sha256] = await anchored(1);
      const altered = clone(await receiptV2(sha256));
      const header = altered.evidence.block.header;
      altered.evidence.block.header = `${header.slice(0, -2)}${header.endsWith("00") ? "01" : "00"}`;
      const response = await request(app()).post("/api/v1/verify").send({ sha256, receipt: altered }).expect(200);
      expect(response.body).to.include({ valid: false, status: "invalid-receipt" });
      expect(response.body.reason).to.match(/header-hash: The header hashes to/);
    });
  });

  describe("POST /api/v1/witness/cosign", function () {
    it("cosigns a final block as this member's node holds it", async function () {
      const [sha256] = await anchored(1);
      const { blockNumber, evidence } = await receiptV2(sha256);
      const response = await request(peer.service.app)
        .post("/api/v1/witness/cosign")
        .send({ blockNumber, blockHash: evidence.block.hash, chainId: chain.chainId })
        .expect(200);
      expect(response.body).to.include({ signer: devAccount(1).address, blockNumber, blockHash: evidence.block.hash });
      expect(response.body.signature).to.match(/^0x[0-9a-f]{130}$/);
    });

    it("refuses a block it does not hold, one not produced yet, and another chain, each with its problem type", async function () {
      const [sha256] = await anchored(1);
      const { blockNumber, evidence } = await receiptV2(sha256);
      const cosign = (body: object) => request(peer.service.app).post("/api/v1/witness/cosign").send(body);
      const other = await cosign({ blockNumber, blockHash: `0x${"ab".repeat(32)}` }).expect(422);
      expect(other.body.type).to.equal("urn:docproof:problem:witness-unknown-block");
      const future = await cosign({ blockNumber: blockNumber + 1000, blockHash: evidence.block.hash }).expect(409);
      expect(future.body.type).to.equal("urn:docproof:problem:witness-not-final");
      expect(future.headers["retry-after"]).to.equal("5");
      const wrongChain = await cosign({ blockNumber, blockHash: evidence.block.hash, chainId: 1 }).expect(422);
      expect(wrongChain.body.type).to.equal("urn:docproof:problem:witness-wrong-chain");
      const malformed = await cosign({ blockNumber: -1, blockHash: "0x12" }).expect(400);
      expect(malformed.body.type).to.equal("urn:docproof:problem:invalid-request");
    });
  });
});
