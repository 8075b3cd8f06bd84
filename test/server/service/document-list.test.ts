import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import type { DocumentPage } from "../../../server/api/wire";
import { isDocproofError } from "../../../server/errors";
import type { Hex32, Sha256Hex } from "../../../server/proof/digest";
import { DocumentList, type DocumentListRequest } from "../../../server/service/document-list";
import type { DocumentStore } from "../../../server/store/document-store";
import { randomShas, tempStore } from "../../support/unit-fixtures";

const OWN = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const hashOf = (label: string) => keccak256(toUtf8Bytes(label)) as Hex32;
const T = 1_800_000_000;

describe("DocumentList", function () {
  let store: DocumentStore;
  let dispose: () => void;
  let list: DocumentList;
  let block: number;
  let acceptedAtMs: number;

  beforeEach(function () {
    ({ store, dispose } = tempStore());
    list = new DocumentList({
      listing: store.listing,
      directory: { organisationOf: (registrar) => (registrar === OTHER ? { name: "Bank B", uri: "" } : undefined) },
      ownRegistrar: OWN,
    });
    block = 10;
    acceptedAtMs = (T - 1000) * 1000;
  });
  afterEach(function () {
    dispose();
  });

  /** The index reads one more block, holding an anchoring of `count` documents by `registrar`. */
  function indexAnchoring(registrar: string, count: number, members = randomShas(count).sort()): Sha256Hex[] {
    block++;
    store.index.apply({
      anchorings: [
        {
          root: hashOf(`root ${block}`),
          registrar,
          txHash: hashOf(`tx ${block}`),
          blockNumber: block,
          timestamp: T + block,
          leafCount: count,
          members,
        },
      ],
      revocations: [],
      organisations: [],
      roles: [],
      blocks: [],
      cursor: { number: block, hash: hashOf(`block ${block}`) },
    });
    return members;
  }

  /** This service anchors `members` from its queue, and the index reads the block. */
  function anchorOwn(members: Sha256Hex[]) {
    const sorted = [...members].sort();
    const batch = store.prepareBatch(hashOf(`root ${block + 1}`), sorted, 0);
    store.markSent(batch.id, hashOf(`tx ${block + 1}`));
    store.markAnchored(
      batch.id,
      {
        txHash: hashOf(`tx ${block + 1}`),
        blockNumber: block + 1,
        blockHash: hashOf(`block ${block + 1}`),
        timestamp: T + block + 1,
        registrar: OWN,
      },
      0,
    );
    indexAnchoring(OWN, sorted.length, sorted);
  }

  function queue(count: number): Sha256Hex[] {
    const digests = randomShas(count);
    store.acceptMany(digests.map((sha256) => ({ sha256, acceptedAtMs: acceptedAtMs++ })));
    return digests;
  }

  /** Every page, following `next`, with `between` run after each page. */
  function allPages(request: Omit<DocumentListRequest, "cursor">, between: () => void = () => {}): DocumentPage[] {
    const pages: DocumentPage[] = [];
    let cursor: string | undefined;
    do {
      const page = list.list({ ...request, cursor });
      pages.push(page);
      cursor = page.next;
      between();
    } while (cursor !== undefined);
    return pages;
  }

  const keys = (pages: DocumentPage[]) => pages.flatMap((page) => page.documents.map((d) => d.sha256));

  describe("list", function () {
    it("pages through everything with an opaque cursor, the last page without one", function () {
      indexAnchoring(OTHER, 4);
      indexAnchoring(OWN, 3);
      queue(2);
      const whole = list.list({ limit: 100 });
      expect(whole.documents).to.have.length(9);
      expect(whole.next).to.equal(undefined);
      expect(whole.indexedTo).to.equal(12);

      const pages = allPages({ limit: 4 });
      expect(pages.map((page) => page.documents.length)).to.deep.equal([4, 4, 1]);
      expect(keys(pages)).to.deep.equal(keys([whole]));
      for (const page of pages.slice(0, -1)) expect(page.next).to.match(/^[A-Za-z0-9_-]+$/);
    });

    it("neither repeats nor skips an entry when documents arrive, are anchored and are indexed between pages", function () {
      indexAnchoring(OTHER, 5);
      indexAnchoring(OWN, 5);
      const waiting = queue(8);
      const before = list.list({ limit: 100 });
      const pages = allPages({ limit: 3 }, () => {
        // The oldest waiting documents are anchored (leaving the queue for the index), new ones arrive.
        const anchored = waiting.splice(0, 2);
        if (anchored.length > 0) anchorOwn(anchored);
        queue(2);
        indexAnchoring(OTHER, 2);
      });
      expect(keys(pages)).to.deep.equal(keys([before]));
      expect(pages.map((page) => page.indexedTo)).to.deep.equal(pages.map(() => 12));
      const now = list.list({ limit: 100 });
      expect(now.documents.length).to.be.greaterThan(before.documents.length);
      expect(now.indexedTo).to.be.greaterThan(12);
    });

    it("writes each entry with its anchoring, organisation and ISO times", function () {
      const [digest] = indexAnchoring(OTHER, 1);
      const [queued] = queue(1);
      const { documents } = list.list({ limit: 10 });
      expect(documents[0]).to.deep.equal({
        sha256: queued,
        status: "pending",
        acceptedAt: new Date(acceptedAtMs - 1).toISOString(),
      });
      expect(documents[1]).to.deep.equal({
        sha256: digest,
        status: "anchored",
        anchoredBy: { address: OTHER, name: "Bank B", uri: "" },
        anchoredAt: T + 11,
        anchoredAtIso: new Date((T + 11) * 1000).toISOString().replace(".000Z", "Z"),
        blockNumber: 11,
        txHash: hashOf("tx 11"),
        merkleRoot: hashOf("root 11"),
        leafCount: 1,
      });
    });

    it("leaves this service's queue out when another registrar is asked for", function () {
      const others = indexAnchoring(OTHER, 2);
      queue(2);
      expect(list.list({ limit: 10, registrar: OTHER }).documents.map((d) => d.sha256)).to.have.members(others);
      expect(list.list({ limit: 10, registrar: OTHER, status: "pending" }).documents).to.deep.equal([]);
      expect(list.list({ limit: 10, registrar: OWN.toLowerCase(), status: "pending" }).documents).to.have.length(2);
    });

    describe("when the cursor is not one it gave for these filters", function () {
      const refusal = (request: DocumentListRequest) => {
        try {
          list.list(request);
        } catch (error) {
          return isDocproofError(error, "invalid-cursor") ? error.message : `other error: ${String(error)}`;
        }
        return "accepted";
      };

      it("refuses a cursor given for other filters, and one that is not a cursor", function () {
        indexAnchoring(OTHER, 5);
        const { next } = list.list({ limit: 2 });
        expect(refusal({ limit: 2, cursor: next })).to.equal("accepted");
        expect(refusal({ limit: 5, cursor: next })).to.equal("accepted");
        expect(refusal({ limit: 2, cursor: next, status: "anchored" })).to.match(/other filters/);
        expect(refusal({ limit: 2, cursor: next, registrar: OTHER })).to.match(/other filters/);
        expect(refusal({ limit: 2, cursor: "bm90IGEgY3Vyc29y" })).to.match(/not one this list gave/);
        const forged = Buffer.from(JSON.stringify({ v: 1, f: "x", p: { part: "index", timestamp: "1" } })).toString(
          "base64url",
        );
        expect(refusal({ limit: 2, cursor: forged })).to.match(/not one this list gave/);
      });
    });
  });
});
