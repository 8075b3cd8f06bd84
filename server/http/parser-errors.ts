import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import { forwardUnmetExpectations } from "./expectations";
import { PROBLEMS, problemBody, type ProblemCode } from "./problems";

const REASONS: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
};

/**
 * Answers requests that Node's HTTP parser refuses before Express sees them (a URL or headers over
 * the 16 KiB limit, a request line that is not HTTP, headers that never finish) with problem+json,
 * like every other error, instead of Node's bare status line. Requests with an `Expect` header that
 * Node would refuse with its own bare 417 go to the application, which answers them (expectations.ts).
 */
export function answerParserErrors(server: Server): void {
  forwardUnmetExpectations(server);
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || pending?.headersSent) {
      socket.destroy();
      return;
    }
    const code: ProblemCode =
      error.code === "HPE_HEADER_OVERFLOW"
        ? "headers-too-large"
        : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? "request-timeout"
          : "malformed-http";
    const { status } = PROBLEMS[code];
    const detail =
      code === "headers-too-large"
        ? "The request line and headers exceed 16 KiB."
        : code === "request-timeout"
          ? "The request did not arrive in time."
          : "The request is not valid HTTP/1.1.";
    const body = JSON.stringify(problemBody(code, detail));
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
