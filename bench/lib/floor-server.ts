/**
 * The floor for an HTTP JSON API on this machine: a bare Node `http` server that reads each request
 * body and answers one fixed JSON body, no framework, no logging. Run as its own process:
 *
 *   FLOOR_PORT=<port> FLOOR_BODY=<json> ts-node bench/lib/floor-server.ts
 */
import http from "node:http";

const body = Buffer.from(process.env.FLOOR_BODY ?? '{"valid":true}');
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.FLOOR_PORT), "127.0.0.1", () => console.log("listening"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
