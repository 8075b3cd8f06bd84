import { createHmac, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the receiver does with a request: answer with a status, or never answer. */
export type ReceiverBehaviour = number | "hang";

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  receivedAtMs: number;
}

/**
 * A real HTTP server standing in for a customer's endpoint: it records every request and answers
 * as told, one behaviour per request in turn (the last repeats), so a test can make it fail, time
 * out and come back.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private server!: Server;
  private behaviours: ReceiverBehaviour[] = [204];
  /** Behaviours for one path, which take precedence over the others. */
  private readonly byPath = new Map<string, ReceiverBehaviour[]>();
  private readonly hanging = new Set<ServerResponse>();
  url = "";

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        this.requests.push({
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          receivedAtMs: Date.now(),
        });
        const behaviours = this.byPath.get(req.url ?? "") ?? this.behaviours;
        const behaviour = behaviours.length > 1 ? behaviours.shift()! : behaviours[0];
        if (behaviour === "hang") {
          this.hanging.add(res);
          return;
        }
        res.writeHead(behaviour, { "content-type": "text/plain" }).end(behaviour < 300 ? "" : "not now");
      });
    });
    this.server.listen(port, "127.0.0.1");
    await once(this.server, "listening");
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Answers the next requests with these, in turn; the last one for every request after. */
  answer(...behaviours: ReceiverBehaviour[]): void {
    this.behaviours = behaviours;
  }

  /** Answers the next requests to `path` with these, in turn, whatever the others get. */
  answerAt(path: string, ...behaviours: ReceiverBehaviour[]): void {
    this.byPath.set(path, behaviours);
  }

  /** Requests to `path`. */
  to(path: string): ReceivedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * Checks a delivery's signature as the README tells receivers to: HMAC-SHA256 keyed with the
 * secret's UTF-8 bytes over `<t>.<raw body>`, hex, compared in constant time, `t` recent.
 * Written here from the documentation, not with the service's code.
 */
export function signatureVerifies(request: ReceivedRequest, secret: string, toleranceSeconds = 300): boolean {
  const header = String(request.headers["docproof-signature"] ?? "");
  const parts = Object.fromEntries(header.split(",").map((part) => part.split("=", 2) as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isSafeInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = createHmac("sha256", Buffer.from(secret, "utf8")).update(`${parts.t}.${request.body}`).digest();
  const given = Buffer.from(parts.v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
