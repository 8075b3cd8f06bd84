import { expect } from "chai";
import { randomBytes } from "node:crypto";
import hre from "hardhat";
import request from "supertest";
import { DocumentPageSchema, type DocumentPage } from "../../../server/api/wire";
import { DocumentRegistry__factory } from "../../../typechain-types";
import { InProcessHardhatChain, openTestService, type ServiceHarness } from "../service-fixture";

const PROBLEM = "urn:docproof:problem:";
const randomSha = () => randomBytes(32).toString("hex");

describe("GET /api/v1/documents", function () {
  this.timeout(120_000);
  const chain = new InProcessHardhatChain();
  let harness: ServiceHarness;
  /** Another member's registrar, named in the directory, with its own anchorings. */
  let member: string;
  /** Newest first: what the list holds once everything below is anchored and indexed. */
  let ownAnchored: string[];
  let memberAnchored: string[];
  let revoked: string;
  let pending: string[];

  const app = () => harness.service.app;
  const list = (query: Record<string, string | number> = {}) =>
    request(app()).get("/api/v1/documents").query(query).expect("content-type", /json/);
  const page = async (query: Record<string, string | number> = {}): Promise<DocumentPage> => {
    const response = await list(query).expect(200);
    return DocumentPageSchema.parse(response.body);
  };
  const digests = (answer: DocumentPage) => answer.documents.map((d) => d.sha256);

  async function submit(count: number): Promise<string[]> {
    const submitted: string[] = [];
    for (let i = 0; i < count; i++) {
      const sha256 = randomSha();
      await request(app()).post("/api/v1/documents").send({ sha256 }).expect(202);
      submitted.push(sha256);
    }
    return submitted;
  }

  before(async function () {
    await chain.start();
    harness = await openTestService(chain);
    const [admin, other] = await hre.ethers.getSigners();
    const registry = DocumentRegistry__factory.connect(harness.registryAddress, admin);
    await (await registry.grantRole(await registry.REGISTRAR_ROLE(), other.address)).wait();
    await (await registry.setOrganisation(other.address, "Bank B", "")).wait();
    member = other.address;

    ownAnchored = await submit(3);
    await harness.service.anchorer.runOnce();
    memberAnchored = [randomSha(), randomSha()];
    for (const sha256 of memberAnchored) await (await registry.connect(other).anchor(`0x${sha256}`)).wait();
    [revoked] = await submit(1);
    await harness.service.anchorer.runOnce();
    await harness.service.notary.revoke(revoked as never, 1);
    await harness.service.indexer.runOnce();
    pending = await submit(2);
  });

  after(async function () {
    await harness?.close();
    await chain.stop();
  });

  it("lists this service's pending documents, then every member's anchorings, newest first", async function () {
    const answer = await page();
    expect(answer.documents.map((d) => [d.sha256, d.status])).to.deep.equal([
      [pending[1], "pending"],
      [pending[0], "pending"],
      [revoked, "revoked"],
      [memberAnchored[1], "anchored"],
      [memberAnchored[0], "anchored"],
      // One batch: its members in descending digest order.
      ...[...ownAnchored]
        .sort()
        .reverse()
        .map((sha256) => [sha256, "anchored"]),
    ]);
    expect(answer.next).to.equal(undefined);
    expect(answer.indexedTo).to.be.a("number");
    const byMember = answer.documents.find((d) => d.sha256 === memberAnchored[0])!;
    expect(byMember.anchoredBy).to.deep.equal({ address: member, name: "Bank B", uri: "" });
    expect(byMember.leafCount).to.equal(1);
    expect(answer.documents.find((d) => d.sha256 === revoked)!.revocation).to.include({ reason: 1 });
    expect(answer.documents[0]).to.have.property("acceptedAt");
  });

  it("filters by registrar (any case), status and time", async function () {
    expect(digests(await page({ registrar: member.toLowerCase() }))).to.deep.equal([...memberAnchored].reverse());
    expect(digests(await page({ status: "pending" }))).to.deep.equal([...pending].reverse());
    expect(digests(await page({ status: "revoked" }))).to.deep.equal([revoked]);
    expect(digests(await page({ status: "anchored", registrar: harness.service.registrar }))).to.have.members(
      ownAnchored,
    );

    const all = await page();
    const memberTime = all.documents.find((d) => d.sha256 === memberAnchored[1])!.anchoredAt!;
    const byUnix = await page({ from: memberTime, to: memberTime + 1 });
    expect(digests(byUnix)).to.deep.equal([memberAnchored[1]]);
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
    expect(digests(await page({ from: iso(memberTime), to: iso(memberTime + 1) }))).to.deep.equal(digests(byUnix));
    const offset = new Date(memberTime * 1000 + 2 * 3_600_000).toISOString().replace(".000Z", "+02:00");
    expect(digests(await page({ from: offset, to: memberTime + 1 }))).to.deep.equal(digests(byUnix));
  });

  describe("pages", function () {
    it("are 20 entries by default and at most 100", async function () {
      await submit(21);
      try {
        const first = await page();
        expect(first.documents).to.have.length(20);
        expect(first.next).to.be.a("string");
        expect((await page({ limit: 100 })).documents).to.have.length(21 + 8);
        expect((await page({ limit: 1 })).documents).to.have.length(1);
      } finally {
        await harness.service.anchorer.runOnce();
        await harness.service.indexer.runOnce();
      }
    });

    it("follow the cursor without repeating or skipping entries while documents arrive and are anchored", async function () {
      const whole = digests(await page({ limit: 100 }));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const answer = await page({ limit: 4, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...digests(answer));
        cursor = answer.next;
        await submit(2);
        await harness.service.anchorer.runOnce();
        await harness.service.indexer.runOnce();
      } while (cursor !== undefined);
      expect(seen).to.deep.equal(whole);
      expect((await page({ limit: 100 })).documents.length).to.be.greaterThan(whole.length);
    });
  });

  describe("when a filter is not valid", function () {
    const cases: [string, Record<string, string | number> | string][] = [
      ["a limit over 100", { limit: 101 }],
      ["a limit of 0", { limit: 0 }],
      ["a limit that is not a number", { limit: "ten" }],
      ["an unknown status", { status: "lost" }],
      ["a registrar that is not an address", { registrar: "0x1234" }],
      // Hardhat's second account, one letter's case changed: mixed case must carry a valid checksum.
      ["a registrar with a wrong checksum", { registrar: "0x70997970c51812dc3A010C7d01b50e0d17dc79C8" }],
      ["a time without its zone", { from: "2026-05-01T10:00:00" }],
      ["a time in words", { from: "yesterday" }],
      ["a date that does not exist", { to: "2026-02-30" }],
      ["from after to", { from: "2026-05-02", to: "2026-05-01" }],
      ["an unknown parameter", { sort: "oldest" }],
      ["a parameter given twice", "limit=1&limit=2"],
    ];
    for (const [name, query] of cases) {
      it(`answers 400 invalid-query for ${name}`, async function () {
        const response = await request(app()).get("/api/v1/documents").query(query);
        expect(response.status, JSON.stringify(response.body)).to.equal(400);
        expect(response.type).to.equal("application/problem+json");
        expect(response.body.type).to.equal(`${PROBLEM}invalid-query`);
      });
    }

    it("answers 400 invalid-cursor for a cursor it did not give, or gave for other filters", async function () {
      const { next } = await page({ limit: 1 });
      const other = await request(app()).get("/api/v1/documents").query({ limit: 1, cursor: next!, status: "pending" });
      expect(other.status).to.equal(400);
      expect(other.body.type).to.equal(`${PROBLEM}invalid-cursor`);
      const forged = await request(app()).get("/api/v1/documents").query({ cursor: "bm90LWEtY3Vyc29y" });
      expect(forged.body.type).to.equal(`${PROBLEM}invalid-cursor`);
    });
  });

  describe("when the service requires API keys", function () {
    const apiKey = "list-test-key-0123456789";
    let keyed: ServiceHarness;

    before(async function () {
      keyed = await openTestService(chain, { apiKeys: [apiKey] });
    });
    after(async function () {
      await keyed?.close();
    });

    it("lists only for a valid key", async function () {
      const without = await request(keyed.service.app).get("/api/v1/documents");
      expect(without.status).to.equal(401);
      expect(without.body.type).to.equal(`${PROBLEM}unauthorized`);
      const wrong = await request(keyed.service.app)
        .get("/api/v1/documents")
        .set("authorization", "Bearer not-the-key-0123456789");
      expect(wrong.status).to.equal(401);
      const allowed = await request(keyed.service.app)
        .get("/api/v1/documents")
        .set("authorization", `Bearer ${apiKey}`)
        .expect(200);
      expect(allowed.headers["cache-control"]).to.equal("no-store");
      expect(DocumentPageSchema.parse(allowed.body).documents).to.be.an("array");
    });
  });
});
