import { expect } from "chai";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HostPolicy, parseAllowedHosts } from "../../../server/webhook/host-policy";
import { HttpWebhookTransport, type HostResolver } from "../../../server/webhook/http-webhook-transport";
import { WebhookReceiver } from "../../support/webhook-receiver";

describe("HttpWebhookTransport", function () {
  const receiver = new WebhookReceiver();
  let redirector: Server;
  let redirectorPort: number;
  let port: number;

  before(async function () {
    await receiver.start();
    port = Number(new URL(receiver.url).port);
    // Answers every request with a redirect to the receiver.
    redirector = createServer((_req, res) => res.writeHead(307, { location: `${receiver.url}/redirected` }).end());
    redirector.listen(0, "127.0.0.1");
    await once(redirector, "listening");
    redirectorPort = (redirector.address() as AddressInfo).port;
  });

  after(async function () {
    redirector.closeAllConnections();
    redirector.close();
    await receiver.stop();
  });

  beforeEach(function () {
    receiver.requests.length = 0;
    receiver.answer(204);
  });

  const transport = (allowed: string, resolve?: HostResolver) =>
    new HttpWebhookTransport(new HostPolicy(parseAllowedHosts(allowed)), resolve);
  const send = (t: HttpWebhookTransport, url: string, timeoutMs = 2_000) =>
    t.deliver(url, { "content-type": "application/json" }, '{"hello":1}', timeoutMs);

  it("posts the body with its headers and reports the 2xx answer", async function () {
    const result = await send(transport("127.0.0.1"), `${receiver.url}/hook?tenant=7`);
    expect(result).to.deep.equal({ ok: true, status: 204 });
    expect(receiver.requests).to.have.length(1);
    expect(receiver.requests[0]).to.include({ path: "/hook?tenant=7", body: '{"hello":1}' });
    expect(receiver.requests[0].headers["content-length"]).to.equal("11");
  });

  it("does not follow a redirect, and reports it", async function () {
    const result = await send(transport("127.0.0.1"), `http://127.0.0.1:${redirectorPort}/hook`);
    expect(result.ok).to.equal(false);
    expect(result.status).to.equal(307);
    expect(result.error).to.include("redirects are not followed");
    expect(receiver.requests).to.deep.equal([]);
  });

  it("gives up on an answer that does not come within the timeout", async function () {
    receiver.answer("hang");
    const started = Date.now();
    const result = await send(transport("127.0.0.1"), `${receiver.url}/slow`, 300);
    expect(result).to.deep.equal({ ok: false, error: "no answer within 300 ms" });
    expect(Date.now() - started).to.be.below(5_000);
  });

  it("reports an error status as a failure", async function () {
    receiver.answer(502);
    expect(await send(transport("127.0.0.1"), `${receiver.url}/bad`)).to.deep.equal({
      ok: false,
      status: 502,
      error: "answered 502",
    });
  });

  it("connects to the address it checked, sending the name it was given", async function () {
    const resolved: string[] = [];
    const resolver: HostResolver = async (name) => {
      resolved.push(name);
      return [{ address: "127.0.0.1", family: 4 }];
    };
    const result = await send(transport("hooks.test,127.0.0.1", resolver), `http://hooks.test:${port}/named`);
    expect(result.ok).to.equal(true);
    expect(resolved).to.deep.equal(["hooks.test"]);
    expect(receiver.requests[0].headers.host).to.equal(`hooks.test:${port}`);
  });

  it("refuses a listed name that resolves to an internal address nobody listed, without connecting", async function () {
    const resolver: HostResolver = async () => [{ address: "127.0.0.1", family: 4 }];
    const result = await send(transport("hooks.test", resolver), `http://hooks.test:${port}/rebound`);
    expect(result.ok).to.equal(false);
    expect(result.error).to.include("127.0.0.1 is not a public address");
    expect(receiver.requests).to.deep.equal([]);
  });

  it("refuses a name whose answers mix public and internal addresses", async function () {
    const resolver: HostResolver = async () => [
      { address: "93.184.216.34", family: 4 },
      { address: "169.254.169.254", family: 4 },
    ];
    const result = await send(transport("hooks.test", resolver), "http://hooks.test/mixed");
    expect(result.error).to.include("169.254.169.254 is not a public address");
  });

  it("reports a name that does not resolve", async function () {
    const result = await send(transport("nowhere.invalid"), "http://nowhere.invalid/hook");
    expect(result.ok).to.equal(false);
    expect(result.error).to.match(/could not be resolved \(E[A-Z]+\)/);
  });

  it("refuses a host no longer allowed when the delivery is made", async function () {
    const result = await send(transport("127.0.0.2"), `${receiver.url}/gone`);
    expect(result.error).to.include("not among the allowed addresses");
    expect(receiver.requests).to.deep.equal([]);
  });

  describe("checkUrl", function () {
    const t = transport("hooks.example.com,127.0.0.1");

    it("answers the URL normalised, without a fragment", function () {
      expect(t.checkUrl("HTTPS://Hooks.Example.com/a b#frag")).to.equal("https://hooks.example.com/a%20b");
    });

    it("refuses other schemes, credentials and overlong URLs with invalid-request", function () {
      for (const url of ["ftp://hooks.example.com/", "http://u:p@hooks.example.com/", "not a url"]) {
        expect(() => t.checkUrl(url))
          .to.throw()
          .with.property("code", "invalid-request");
      }
      expect(() => t.checkUrl(`https://hooks.example.com/${"a".repeat(2048)}`))
        .to.throw()
        .with.property("code", "invalid-request");
    });

    it("refuses hosts not allowed with webhook-url-not-allowed", function () {
      expect(() => t.checkUrl("https://example.com/"))
        .to.throw()
        .with.property("code", "webhook-url-not-allowed");
    });
  });
});
