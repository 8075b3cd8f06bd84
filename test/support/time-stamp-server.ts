import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP server that answers RFC 3161 requests (any path, POST
 * `application/timestamp-query`) with what `answer` makes of the body. Clients such as jarsigner
 * and the Docproof TSA client talk to it as they would to a real TSA.
 */
export interface TimeStampServer {
  url: string;
  /** Request bodies received, in order. */
  readonly requests: Uint8Array[];
  close(): Promise<void>;
}

export async function startTimeStampServer(
  answer: (query: Uint8Array) => Promise<Uint8Array>,
): Promise<TimeStampServer> {
  const requests: Uint8Array[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || req.headers["content-type"] !== "application/timestamp-query") {
        res.writeHead(415, { "content-type": "text/plain" }).end("POST application/timestamp-query\n");
        return;
      }
      const query = new Uint8Array(Buffer.concat(chunks));
      requests.push(query);
      answer(query).then(
        (reply) => res.writeHead(200, { "content-type": "application/timestamp-reply" }).end(reply),
        (error: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${String(error)}\n`),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
