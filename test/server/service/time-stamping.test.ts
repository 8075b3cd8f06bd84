import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DocproofError } from "../../../server/errors";
import type { Sha256Hex } from "../../../server/proof/digest";
import { createMetrics } from "../../../server/service/metrics";
import type { Notary } from "../../../server/service/notary";
import { TimeStamping, type TimeStampLedger } from "../../../server/service/time-stamping";
import type { IssuedTimeStamp } from "../../../server/store/time-stamp-store";
import { CounterSerialSource } from "../../../server/timestamp/serial-source";
import { TimeStampAuthority } from "../../../server/timestamp/time-stamp-authority";
import { buildTimeStampQuery } from "../../../server/timestamp/time-stamp-query";
import {
  certificatesFromFile,
  decodeTimeStampReply,
  readTimeStampToken,
} from "../../../server/timestamp/token-verification";
import { ensureLocalTsa, loadTsaCredentials, type LoadedTsaCredentials } from "../../../server/tsa/tsa-credentials";
import { capturedLogger, randomSha, tempDir } from "../../support/unit-fixtures";

const ANCHORING = { chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };

/** The use case on a real TSA, with a notary and a ledger that record what they are given, or fail. */
function fixture(credentials: LoadedTsaCredentials) {
  const submitted: Sha256Hex[] = [];
  const kept: IssuedTimeStamp[][] = [];
  const failures: { notary?: Error; ledger?: Error } = {};
  /** When set, the notary answers only once this many imprints are waiting (as in one group commit). */
  const gate = { size: 0, open: () => {}, opened: Promise.resolve() };
  const notary: Pick<Notary, "submit"> = {
    async submit(sha256) {
      if (failures.notary !== undefined) throw failures.notary;
      submitted.push(sha256);
      if (submitted.length === gate.size) gate.open();
      await gate.opened;
      return { created: true, document: { sha256, status: "pending" } };
    },
  };
  const tokens: TimeStampLedger = {
    saveMany(batch) {
      if (failures.ledger !== undefined) throw failures.ledger;
      kept.push([...batch]);
    },
  };
  const logger = capturedLogger();
  const metrics = createMetrics(() => 0);
  const timeStamping = new TimeStamping({
    authority: TimeStampAuthority.create({ credentials, serials: new CounterSerialSource(), anchoring: ANCHORING }),
    notary,
    tokens,
    certificates: credentials.certificates,
    log: logger.log,
    metrics,
  });
  const holdNotary = (size: number) => {
    gate.size = size;
    gate.opened = new Promise<void>((resolve) => (gate.open = resolve));
  };
  return { timeStamping, submitted, kept, failures, logger, metrics, holdNotary };
}

describe("TimeStamping", function () {
  const scratch = tempDir("docproof-time-stamping-");
  let credentials: LoadedTsaCredentials;
  let certFile: string;

  before(async function () {
    const files = await ensureLocalTsa(path.join(scratch.dir, "tsa"));
    certFile = files.certFile;
    credentials = await loadTsaCredentials(files);
  });

  after(function () {
    scratch.remove();
  });

  describe("timeStamp", function () {
    it("queues the imprint and keeps the token before answering with it", async function () {
      const { timeStamping, submitted, kept } = fixture(credentials);
      const sha256 = randomSha();
      const answer = await timeStamping.timeStamp(buildTimeStampQuery(sha256).der);
      expect(answer.outcome).to.equal("granted");
      expect(submitted).to.deep.equal([sha256]);
      const info = readTimeStampToken(answer.response);
      expect(kept).to.deep.equal([[{ serial: info.serial, sha256, genTime: info.genTime, reply: answer.response }]]);
    });

    it("keeps the tokens queued together in one write", async function () {
      const { timeStamping, kept, holdNotary } = fixture(credentials);
      holdNotary(25);
      const answers = await Promise.all(
        Array.from({ length: 25 }, () => timeStamping.timeStamp(buildTimeStampQuery(randomSha()).der)),
      );
      expect(answers.every((a) => a.outcome === "granted")).to.equal(true);
      expect(kept.map((batch) => batch.length)).to.deep.equal([25]);
    });

    for (const port of ["notary", "ledger"] as const) {
      it(`answers systemFailure, and never sends the token, when the ${port} cannot take it`, async function () {
        const { timeStamping, kept, failures, logger, metrics } = fixture(credentials);
        failures[port] = new DocproofError(
          "store-unavailable",
          "The store could not accept the documents (SQLITE_FULL).",
        );
        const answer = await timeStamping.timeStamp(buildTimeStampQuery(randomSha()).der);
        expect(answer).to.deep.include({ outcome: "failed", failure: "systemFailure" });
        const reply = decodeTimeStampReply(answer.response);
        expect(reply).to.deep.include({ statusName: "rejection", failure: ["systemFailure"], token: undefined });
        expect(reply.text).to.equal("the time-stamp could not be recorded; try again later");
        expect(kept).to.deep.equal([]);
        const error = logger.entries().find((e) => e.level === "error");
        expect(error?.message).to.match(/could not be queued for anchoring and kept/);
        expect(await metrics.registry.getSingleMetricAsString("docproof_time_stamps_total")).to.match(
          /docproof_time_stamps_total\{outcome="failed"\} 1/,
        );
      });
    }

    it("answers a rejection without queueing or keeping anything", async function () {
      const { timeStamping, submitted, kept } = fixture(credentials);
      const answer = await timeStamping.timeStamp(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
      expect(answer).to.deep.include({ outcome: "rejected", failure: "badDataFormat" });
      expect(submitted).to.deep.equal([]);
      expect(kept).to.deep.equal([]);
    });
  });

  describe("certificateChainPem", function () {
    it("is the TSA certificate then its issuers, as PEM", function () {
      const { timeStamping } = fixture(credentials);
      const pem = timeStamping.certificateChainPem();
      expect(certificatesFromFile(Buffer.from(pem)).map((c) => Buffer.from(c).toString("hex"))).to.deep.equal(
        credentials.certificates.map((c) => Buffer.from(c).toString("hex")),
      );
      expect(pem.match(/BEGIN CERTIFICATE/g)).to.have.length(certificatesFromFile(readFileSync(certFile)).length);
    });
  });
});
