import { expect } from "chai";
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { KEEP_ALIVE_TIMEOUT_MS } from "../../../server/http/listener";
import { listenAsMain } from "./listening";
import { InProcessHardhatChain, openTestService, type ServiceHarness } from "../service-fixture";

/** Node's own idle keep-alive timeout, which the service replaces. */
const NODE_DEFAULT_KEEP_ALIVE_MS = 5_000;

describe("the service's HTTP listener", function () {
  this.timeout(60_000);
  const chain = new InProcessHardhatChain();
  let harness: ServiceHarness;
  let listening: Awaited<ReturnType<typeof listenAsMain>>;
  let port: number;

  before(async () => {
    await chain.start();
    harness = await openTestService(chain);
    listening = await listenAsMain(harness.service.app);
    port = listening.port;
  });
  after(async () => {
    await listening.close();
    await harness.close();
  });

  /** Sends one request on `socket` and resolves with the status of its answer, read whole. */
  function ask(socket: Socket, path: string): Promise<number> {
    return new Promise((resolve, reject) => {
      let received = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const text = received.toString("latin1");
        const end = text.indexOf("\r\n\r\n");
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
        if (received.length < end + 4 + length) return;
        socket.off("data", onData).off("close", onClose);
        resolve(Number(text.split(" ")[1]));
      };
      const onClose = () => reject(new Error(`the service closed the connection before answering ${path}`));
      socket.on("data", onData).once("close", onClose);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    });
  }

  it("keeps an idle keep-alive connection open past Node's 5 s, for clients and proxies that reuse it", async function () {
    expect(KEEP_ALIVE_TIMEOUT_MS).to.be.greaterThan(60_000);
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    try {
      expect(await ask(socket, "/api/v1/info")).to.equal(200);
      await sleep(NODE_DEFAULT_KEEP_ALIVE_MS + 1_500);
      expect(socket.destroyed, "the connection is still open").to.equal(false);
      expect(await ask(socket, "/api/v1/info")).to.equal(200);
    } finally {
      socket.destroy();
    }
  });

  it("says so in its answers, so that clients know how long they may keep a connection", async function () {
    const socket = connect(port, "127.0.0.1");
    let head = "";
    socket.on("data", (chunk: Buffer) => (head += chunk.toString("latin1")));
    await new Promise((resolve) => socket.once("connect", resolve));
    try {
      expect(await ask(socket, "/healthz")).to.be.oneOf([200, 503]);
      expect(head).to.match(new RegExp(`keep-alive: timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`, "i"));
    } finally {
      socket.destroy();
    }
  });
});
