import type { Server } from "node:http";
import { answerParserErrors } from "./parser-errors";

/**
 * How long an idle keep-alive connection stays open: longer than the 60 s idle timeout of common
 * proxies and load balancers, so that the client or the proxy closes it. With Node's 5 s default,
 * a client that reuses a connection just as the service closes it loses that request.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** The HTTP server's own limits and error answers, as the service listens. */
export function prepareListener(server: Server, options: { requestTimeoutMs: number }): void {
  answerParserErrors(server);
  // Node's own cap on a whole request, as a backstop behind the body deadlines, which answer first.
  server.requestTimeout = options.requestTimeoutMs;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
}
