import { Counter } from "prom-client";
import type { Logger } from "../logger";
import type { IssuedTimeStamp } from "../store/time-stamp-store";
import type { FailureInfo } from "../timestamp/pki-status";
import { rejectionResponse, type TimeStampAuthority } from "../timestamp/time-stamp-authority";
import type { ServiceMetrics } from "./metrics";
import type { Notary } from "./notary";

/** Where issued tokens are kept: one durable write for all given. */
export interface TimeStampLedger {
  saveMany(tokens: readonly IssuedTimeStamp[]): void;
}

export interface TimeStampingPorts {
  authority: Pick<TimeStampAuthority, "issueTimeStamp">;
  /** The imprint of every granted token joins the queue of documents to anchor. */
  notary: Pick<Notary, "submit">;
  tokens: TimeStampLedger;
  /** DER certificates: the TSA's, then its issuers, as clients may fetch them. */
  certificates: readonly Uint8Array[];
  log: Logger;
  metrics: Pick<ServiceMetrics, "registry">;
}

/** The answer to one time-stamp query: always a DER TimeStampResp. */
export interface TimeStampAnswer {
  response: Uint8Array;
  /** `failed`: the TSA could not serve a request it would otherwise grant; worth retrying later. */
  outcome: "granted" | "rejected" | "failed";
  failure?: FailureInfo;
}

interface PendingToken {
  token: IssuedTimeStamp;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The service's Time-Stamp Authority (RFC 3161) as a use case: a query is signed at once, and
 * before the token leaves, its imprint is in the durable queue of documents to anchor (the same
 * as a notarized document) and the token is kept. A token that cannot be both is never sent: the
 * client gets a `systemFailure` rejection instead.
 */
export class TimeStamping {
  private saving: PendingToken[] = [];
  private readonly answers: Counter<"outcome">;

  constructor(private readonly ports: TimeStampingPorts) {
    this.answers = new Counter({
      name: "docproof_time_stamps_total",
      help: "Time-stamp queries answered, by outcome (granted, rejected, failed).",
      labelNames: ["outcome"],
      registers: [ports.metrics.registry],
    });
  }

  /** The TSA's certificate chain, PEM: the TSA certificate first, then its issuers. */
  certificateChainPem(): string {
    return this.ports.certificates
      .map((der) => {
        const lines =
          Buffer.from(der)
            .toString("base64")
            .match(/.{1,64}/g) ?? [];
        return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
      })
      .join("");
  }

  /** Answers a DER TimeStampReq with a DER TimeStampResp; never throws. */
  async timeStamp(query: Uint8Array): Promise<TimeStampAnswer> {
    const issue = await this.ports.authority.issueTimeStamp(query);
    if (issue.rejected !== undefined) {
      const { failure, reason, cause } = issue.rejected;
      const outcome = failure === "systemFailure" ? "failed" : "rejected";
      if (outcome === "failed") this.ports.log.warn({ reason, error: cause }, "time-stamp refused: systemFailure");
      this.answers.inc({ outcome });
      return { response: issue.response, outcome, failure };
    }
    const { sha256, serial, genTime } = issue.granted!;
    try {
      await this.ports.notary.submit(sha256);
      await this.keep({ serial, sha256, genTime, reply: issue.response });
    } catch (error) {
      this.ports.log.error(
        { error, serial, sha256 },
        "a granted time-stamp could not be queued for anchoring and kept: it was not sent, systemFailure was",
      );
      this.answers.inc({ outcome: "failed" });
      return {
        response: rejectionResponse("systemFailure", "the time-stamp could not be recorded; try again later"),
        outcome: "failed",
        failure: "systemFailure",
      };
    }
    this.answers.inc({ outcome: "granted" });
    return { response: issue.response, outcome: "granted" };
  }

  /** Tokens granted in the same turn of the event loop are kept together: one durable write. */
  private keep(token: IssuedTimeStamp): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.saving.length === 0) setImmediate(() => this.commit());
      this.saving.push({ token, resolve, reject });
    });
  }

  private commit(): void {
    const pending = this.saving;
    this.saving = [];
    try {
      this.ports.tokens.saveMany(pending.map((p) => p.token));
    } catch (error) {
      for (const p of pending) p.reject(error);
      return;
    }
    for (const p of pending) p.resolve();
  }
}
