import { expect } from "chai";
import hre from "hardhat";
import { BrowserProvider } from "ethers";
import { ChainGuard, type ExpectedChain } from "../../../server/chain/chain-guard";
import { createProvider } from "../../../server/chain/provider";
import { RegistryClient } from "../../../server/chain/registry-client";
import { isDocproofError } from "../../../server/errors";
import { createLogger } from "../../../server/logger";
import type { Hex32 } from "../../../server/proof/digest";
import { freePort } from "../../support/processes";
import { InProcessHardhatChain } from "../service-fixture";

const ZERO = `0x${"00".repeat(32)}` as Hex32;

describe("ChainGuard", function () {
  const chain = new InProcessHardhatChain();
  let registryAddress: string;
  let expected: ExpectedChain;
  let provider: BrowserProvider;

  before(async () => {
    await chain.start();
    registryAddress = await chain.deployRegistry();
    provider = new BrowserProvider(hre.network.provider, chain.chainId, { cacheTimeout: -1 });
    expected = { chainId: chain.chainId, genesisHash: (await provider.getBlock(0))!.hash! };
  });

  function guardFor(options: { address?: string; expected?: Partial<ExpectedChain>; now?: () => number } = {}) {
    const lines: string[] = [];
    const registry = new RegistryClient(provider, options.address ?? registryAddress, chain.chainId);
    const guard = new ChainGuard(
      registry,
      { ...expected, ...options.expected },
      createLogger({ destination: (line) => lines.push(line) }),
      1_000,
      options.now,
    );
    return { guard, lines, logged: () => lines.map((line) => JSON.parse(line) as { level: string; message: string }) };
  }

  async function failure(promise: Promise<unknown>) {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDocproofError(error), String(error)).to.equal(true);
    return error as { code: string; message: string };
  }

  describe("checkNow", function () {
    describe("when the node is the chain the service was set up for", function () {
      it("passes and logs nothing", async function () {
        const { guard, lines } = guardFor();
        await guard.checkNow();
        expect(guard.state).to.equal("ok");
        expect(lines).to.deep.equal([]);
      });
    });

    describe("when the genesis block differs", function () {
      it("fails with chain-mismatch and logs it once at error level", async function () {
        const { guard, logged } = guardFor({ expected: { genesisHash: ZERO } });
        for (let i = 0; i < 3; i++) {
          const error = await failure(guard.checkNow());
          expect(error.code).to.equal("chain-mismatch");
          expect(error.message).to.include(`instead of ${ZERO}`);
        }
        expect(guard.state).to.equal("mismatch");
        expect(logged().map((l) => `${l.level} ${l.message}`)).to.deep.equal([
          "error WRONG CHAIN: refusing to anchor or verify",
        ]);
      });
    });

    describe("when the chain id differs", function () {
      it("fails with chain-mismatch", async function () {
        const { guard } = guardFor({ expected: { chainId: chain.chainId + 1 } });
        expect((await failure(guard.checkNow())).message).to.include(`chain id ${chain.chainId} instead of`);
      });
    });

    describe("when the registry has no code", function () {
      it("fails with chain-mismatch", async function () {
        const { guard } = guardFor({ address: "0x000000000000000000000000000000000000dEaD" });
        expect((await failure(guard.checkNow())).message).to.include("no registry code at");
      });
    });

    describe("when the node does not answer", function () {
      it("fails with chain-unavailable and logs a warning, not a mismatch", async function () {
        const port = await freePort();
        const down = createProvider(`http://127.0.0.1:${port}`, chain.chainId);
        try {
          const lines: string[] = [];
          const guard = new ChainGuard(
            new RegistryClient(down, registryAddress, chain.chainId),
            expected,
            createLogger({ destination: (line) => lines.push(line) }),
          );
          expect((await failure(guard.checkNow())).code).to.equal("chain-unavailable");
          expect(guard.state).to.equal("unreachable");
          expect(() => guard.refuseIfWrongChain()).to.not.throw();
          expect(lines.map((line) => JSON.parse(line).level)).to.deep.equal(["warn"]);
        } finally {
          down.destroy();
        }
      });
    });
  });

  describe("checkRecent", function () {
    it("reuses a recent result instead of asking the node again", async function () {
      const { guard } = guardFor({ expected: { genesisHash: ZERO } });
      await failure(guard.checkNow());
      const calls: string[] = [];
      const send = provider.send.bind(provider);
      provider.send = async (method, params) => {
        calls.push(method);
        return send(method, params);
      };
      try {
        expect((await failure(guard.checkRecent())).code).to.equal("chain-mismatch");
        expect(calls).to.deep.equal([]);
      } finally {
        provider.send = send;
      }
    });

    it("renews a result past half its age without making the request wait, and waits once it is too old", async function () {
      let nowMs = 0;
      const { guard } = guardFor({ now: () => nowMs });
      await guard.checkNow();
      // A node that answers only when the test lets it.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const calls: string[] = [];
      const send = provider.send.bind(provider);
      provider.send = async (method, params) => {
        calls.push(method);
        await held;
        return send(method, params);
      };
      try {
        nowMs = 400;
        await guard.checkRecent();
        expect(calls, "younger than half the age: reused").to.deep.equal([]);
        nowMs = 600;
        await guard.checkRecent();
        expect(calls.length, "past half the age: renewed in the background").to.be.greaterThan(0);
        nowMs = 1_100;
        let settled = false;
        const waiting = guard.checkRecent().then(() => (settled = true));
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(settled, "too old: waits for the node").to.equal(false);
        release();
        await waiting;
        expect(guard.state).to.equal("ok");
      } finally {
        provider.send = send;
        release();
      }
    });
  });

  describe("reader", function () {
    it("refuses verification on another chain", async function () {
      const { guard } = guardFor({ expected: { genesisHash: ZERO } });
      expect((await failure(guard.checkedReader().verify(ZERO, ZERO, []))).code).to.equal("chain-mismatch");
      expect(() => guard.refuseIfWrongChain()).to.throw(/not the chain this service was set up for/);
    });
  });
});
