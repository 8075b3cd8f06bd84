import { expect } from "chai";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { freePort, startAnvil, startHardhatNode, waitForRpc, type ManagedProcess } from "../../support/processes";
import { docproof, scratchDir } from "./cli-fixture";

/**
 * `--api` given a chain's JSON-RPC URL, the usual mix-up with `--rpc`: Anvil answers the API's paths
 * with an empty 404, a Hardhat node answers them with a JSON-RPC error and status 200. Neither answer
 * fits the API's wire schemas, so neither is read as a verdict or a document.
 */
describe("docproof --api with a URL that is not a Docproof service", function () {
  this.timeout(120_000);
  const scratch = scratchDir();
  const doc = path.join(scratch.dir, "contract.pdf");
  const nodes: ManagedProcess[] = [];

  before(() => writeFileSync(doc, `the document, ${Date.now()}\n`));
  after(async function () {
    for (const node of nodes) await node.stop();
    scratch.remove();
  });

  async function node(start: (port: number) => ManagedProcess): Promise<string> {
    const port = await freePort();
    const started = start(port);
    nodes.push(started);
    const url = `http://127.0.0.1:${port}`;
    await waitForRpc(url, started);
    return url;
  }

  const commands = [["verify"], ["notarize"], ["notarize", "--upload"]];

  describe("when it is an Anvil node", function () {
    it("exits 2 saying it is not a Docproof service and what it answered", async function () {
      const url = await node((port) => startAnvil(port, 31_337));
      for (const command of commands) {
        const { code, stdout, stderr } = await docproof([command[0], doc, "--api", url, ...command.slice(1)]);
        expect(code, command.join(" ")).to.equal(2);
        expect(stdout).to.equal("");
        expect(stderr).to.equal(`docproof: ${url} is not a Docproof service (it answered 404 with an empty body).\n`);
      }
      expect(existsSync(`${doc}.receipt.json`)).to.equal(false);
    });
  });

  describe("when it is a Hardhat node, which answers JSON-RPC on every path", function () {
    it("exits 2 instead of printing `undefined`, and points to --rpc", async function () {
      const url = await node((port) => startHardhatNode(port, 31_337));
      for (const command of commands) {
        const { code, stdout, stderr } = await docproof([command[0], doc, "--api", url, ...command.slice(1)]);
        expect(code, command.join(" ")).to.equal(2);
        expect(stdout).to.equal("");
        expect(stderr).to.match(
          new RegExp(
            `^docproof: ${url.replace(/\./g, "\\.")} is not a Docproof service \\(it answered 200: \\{"jsonrpc":"2\\.0".*\\); ` +
              "for a chain's JSON-RPC endpoint, use --rpc\\.\\n$",
          ),
        );
        expect(stderr).to.not.include("undefined");
      }
      expect(existsSync(`${doc}.receipt.json`)).to.equal(false);
    });
  });
});
