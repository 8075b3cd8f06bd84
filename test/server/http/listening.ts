import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { prepareListener } from "../../../server/http/listener";

/** The application served on a loopback port as server/main.ts serves it: its listener's limits and error answers. */
export async function listenAsMain(
  app: RequestListener,
  requestTimeoutMs = 120_000,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(app);
  prepareListener(server, { requestTimeoutMs });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
