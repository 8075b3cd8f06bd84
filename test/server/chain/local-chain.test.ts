import { expect } from "chai";
import { JsonRpcProvider, Network } from "ethers";
import { randomBytes, randomInt } from "node:crypto";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import { DocumentRegistry__factory } from "../../../typechain-types";
import { ANVIL_STATE_FILE, readChainRecord } from "../../../server/chain/anvil-chain";
import { deploymentDirFor, readRegistryAddress } from "../../../server/chain/deployment-record";
import { blockAt, callRpc } from "../../../server/chain/json-rpc";
import {
  describeLocalChain,
  ensureLocalRegistry,
  startLocalChain,
  summarizeLocalChain,
  type LocalChain,
  type LocalChainOptions,
} from "../../../server/chain/local-chain";
import { isLocalChainError } from "../../../server/chain/local-chain-error";
import type { Hex32, Sha256Hex } from "../../../server/proof/digest";
import { buildBatch } from "../../../server/proof/merkle";
import { devAccount } from "../../support/dev-accounts";
import { openTestService } from "../service-fixture";
import {
  freePort,
  ManagedProcess,
  poll,
  ROOT,
  startAnvil,
  startHardhatNode,
  waitForRpc,
} from "../../support/processes";

const IGNITION_DIR = path.join(ROOT, "ignition");
const FLUSH_LOOP = path.join(ROOT, "test", "support", "local-chain-flush-loop.ts");

/** A state directory, port and chain id of its own, so no test touches another's chain or Ignition record. */
async function localChainSetup(): Promise<Required<Pick<LocalChainOptions, "port" | "chainId" | "stateDir" | "env">>> {
  return {
    port: await freePort(),
    chainId: 900_000 + randomInt(90_000),
    stateDir: mkdtempSync(path.join(tmpdir(), "docproof-local-chain-")),
    env: process.env,
  };
}

function provider(chain: LocalChain): JsonRpcProvider {
  const p = new JsonRpcProvider(chain.rpcUrl, Network.from(chain.chainId), { staticNetwork: true, cacheTimeout: -1 });
  p.pollingInterval = 50;
  return p;
}

async function blockHashes(url: string): Promise<string[]> {
  const latest = Number(await callRpc<string>(url, "eth_blockNumber", [], 10_000));
  const hashes: string[] = [];
  for (let n = 0; n <= latest; n++) hashes.push((await blockAt(url, `0x${n.toString(16)}`)).hash);
  return hashes;
}

function randomDigests(count: number): Hex32[] {
  return Array.from({ length: count }, () => `0x${randomBytes(32).toString("hex")}` as Hex32);
}

/** Anchors `count` batches of `size` random digests as the first development account; returns their roots. */
async function anchorBatches(chain: LocalChain, registry: string, count: number, size: number): Promise<Hex32[]> {
  const p = provider(chain);
  try {
    const contract = DocumentRegistry__factory.connect(registry, devAccount(0).connect(p));
    const roots: Hex32[] = [];
    for (let i = 0; i < count; i++) {
      const batch = buildBatch(randomDigests(size));
      await (await contract.anchorBatch(batch.root, [...batch.digests])).wait();
      roots.push(batch.root);
    }
    return roots;
  } finally {
    p.destroy();
  }
}

async function sendAndWait(url: string, tx: Record<string, string>): Promise<string> {
  const hash = await callRpc<string>(url, "eth_sendTransaction", [tx], 10_000);
  await poll("the receipt", async () =>
    (await callRpc<unknown>(url, "eth_getTransactionReceipt", [hash], 10_000)) === null ? undefined : true,
  );
  return hash;
}

async function nonceOf(url: string, address: string): Promise<number> {
  return Number(await callRpc<string>(url, "eth_getTransactionCount", [address, "latest"], 10_000));
}

function expectLoadable(stateFile: string): void {
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as { blocks?: unknown[] };
  expect(state.blocks, stateFile).to.be.an("array").that.is.not.empty;
}

function leftoverTemporaries(stateDir: string): string[] {
  return readdirSync(stateDir).filter((name) => name.endsWith(".tmp"));
}

describe("local chain", function () {
  this.timeout(600_000);

  describe("startLocalChain (Anvil saved to a state directory)", function () {
    describe("when stopped and started again", function () {
      let setup: Awaited<ReturnType<typeof localChainSetup>>;
      let chain: LocalChain | undefined;
      const deployer = devAccount(0).address;

      before(async function () {
        setup = await localChainSetup();
      });

      after(async function () {
        await chain?.stop().catch(() => {});
        await rm(deploymentDirFor(IGNITION_DIR, setup.chainId), { recursive: true, force: true });
        rmSync(setup.stateDir, { recursive: true, force: true });
      });

      it("comes back on the same chain: genesis and block hashes, code, storage, logs, nonces", async function () {
        const lines: string[] = [];
        chain = await startLocalChain((line) => lines.push(line), setup);
        expect(chain.persistence).to.equal("durable");
        expect(chain.client).to.equal("anvil");
        expect(chain.stateFile).to.equal(path.join(setup.stateDir, ANVIL_STATE_FILE));
        expect(existsSync(chain.stateFile!), "a new chain is saved at once").to.equal(true);

        const registry = await ensureLocalRegistry(chain, (line) => lines.push(line), process.env);
        const roots = await anchorBatches(chain, registry, 3, 5);
        const hashesBefore = await blockHashes(chain.rpcUrl);
        const codeBefore = await callRpc<string>(chain.rpcUrl, "eth_getCode", [registry, "latest"], 10_000);
        const nonceBefore = await nonceOf(chain.rpcUrl, deployer);
        await chain.stop();
        expect(await freePortAnswers(setup.port), "Anvil still answers after stop()").to.equal(false);

        lines.length = 0;
        chain = await startLocalChain((line) => lines.push(line), setup);
        expect(lines.join("\n")).to.include(`from ${path.join(setup.stateDir, ANVIL_STATE_FILE)}`);
        expect(await blockHashes(chain.rpcUrl)).to.deep.equal(hashesBefore);
        expect(await callRpc<string>(chain.rpcUrl, "eth_getCode", [registry, "latest"], 10_000)).to.equal(codeBefore);
        expect(await nonceOf(chain.rpcUrl, deployer)).to.equal(nonceBefore);

        const deployLines: string[] = [];
        expect(await ensureLocalRegistry(chain, (line) => deployLines.push(line), process.env)).to.equal(registry);
        expect(deployLines, "redeployed on the same chain").to.deep.equal([]);

        const p = provider(chain);
        try {
          const contract = DocumentRegistry__factory.connect(registry, p);
          for (const root of roots) expect((await contract.anchorOf(root)).registrar).to.equal(deployer);
          const events = await contract.queryFilter(contract.filters.BatchAnchored(), 0);
          expect(events.map((event) => event.args.root)).to.deep.equal(roots);
        } finally {
          p.destroy();
        }

        const [next] = await anchorBatches(chain, registry, 1, 3);
        expect(next).to.match(/^0x/);
        expect(await nonceOf(chain.rpcUrl, deployer)).to.equal(nonceBefore + 1);
        const newest = await blockAt(chain.rpcUrl, "latest");
        expect(BigInt(newest.number)).to.equal(BigInt(hashesBefore.length));
        expect(newest.parentHash).to.equal(hashesBefore.at(-1));
        await chain.flush();
        const saved = JSON.parse(readFileSync(chain.stateFile!, "utf8")) as { blocks: unknown[] };
        expect(saved.blocks, "one block per height, a single genesis among them").to.have.length(
          hashesBefore.length + 1,
        );
      });

      it("stamps new blocks with the wall-clock time, never before the last block", async function () {
        const before = await blockAt(chain!.rpcUrl, "latest");
        const [from, to] = await callRpc<string[]>(chain!.rpcUrl, "eth_accounts", [], 10_000);
        const lowerBound = Math.floor(Date.now() / 1000);
        await sendAndWait(chain!.rpcUrl, { from, to, value: "0x1" });
        const upperBound = Math.ceil(Date.now() / 1000);
        const mined = Number((await blockAt(chain!.rpcUrl, "latest")).timestamp);
        expect(mined).to.be.at.least(Number(before.timestamp));
        expect(mined).to.be.within(lowerBound - 1, upperBound + 1);
        const genesis = await blockAt(chain!.rpcUrl, "0x0");
        expect(Number(genesis.timestamp)).to.equal((await readChainRecord(setup.stateDir))!.genesisTimestamp);
      });

      it("redeploys the registry when the state file is removed (a new chain)", async function () {
        const genesisBefore = (await blockAt(chain!.rpcUrl, "0x0")).hash;
        await chain!.stop();
        rmSync(chain!.stateFile!);
        // Ignition's record still names the registry of the old chain.
        const lines: string[] = [];
        chain = await startLocalChain((line) => lines.push(line), setup);
        expect((await blockAt(chain.rpcUrl, "0x0")).hash, "the new chain has a genesis of its own").to.not.equal(
          genesisBefore,
        );
        expect(Number(await callRpc<string>(chain.rpcUrl, "eth_blockNumber", [], 10_000))).to.equal(0);
        const deployed = await ensureLocalRegistry(chain, (line) => lines.push(line), process.env);
        expect(lines.join("\n")).to.include("The recorded registry is gone (new chain): redeploying");
        expect(await callRpc<string>(chain.rpcUrl, "eth_getCode", [deployed, "latest"], 10_000)).to.not.equal("0x");
        expect(await readRegistryAddress(IGNITION_DIR, setup.chainId)).to.equal(deployed);
        expect((await readChainRecord(setup.stateDir))!.registry).to.equal(deployed);
      });

      it("keeps the registry with the saved chain when Ignition's record is lost", async function () {
        const registry = (await readRegistryAddress(IGNITION_DIR, setup.chainId))!;
        await rm(deploymentDirFor(IGNITION_DIR, setup.chainId), { recursive: true, force: true });
        const lines: string[] = [];
        expect(await ensureLocalRegistry(chain!, (line) => lines.push(line), process.env)).to.equal(registry);
        expect(lines.join("\n")).to.include(`--registry ${registry}`);
        expect(lines.join("\n")).to.not.include("Deploying");
      });

      it("takes over the node that a run of the same state directory left running", async function () {
        const taken = await startLocalChain(() => {}, setup);
        expect(taken.pid).to.equal(chain!.pid);
        expect(taken.persistence).to.equal("durable");
        const [from, to] = await callRpc<string[]>(taken.rpcUrl, "eth_accounts", [], 10_000);
        const txHash = await sendAndWait(taken.rpcUrl, { from, to, value: "0x2" });
        await taken.stop();
        expect(await freePortAnswers(setup.port)).to.equal(false);
        await reaped(chain!.pid!);
        await chain!.stop();
        chain = await startLocalChain(() => {}, setup);
        expect(await callRpc<unknown>(chain.rpcUrl, "eth_getTransactionReceipt", [txHash], 10_000)).to.not.equal(null);
      });
    });

    describe("under the service", function () {
      it("keeps the service's proofs: a receipt issued before a restart still verifies after it", async function () {
        const setup = await localChainSetup();
        const dataDir = mkdtempSync(path.join(tmpdir(), "docproof-local-store-"));
        let chain = await startLocalChain(() => {}, setup);
        const serviceOn = (local: LocalChain, registryAddress: string) =>
          openTestService(
            {
              name: "the local chain",
              rpcUrl: local.rpcUrl,
              chainId: Number(local.chainId),
              start: async () => {},
              stop: async () => {},
              deployRegistry: async () => registryAddress,
              serviceProvider: () => undefined,
            },
            { registryAddress, dataDir },
          );
        try {
          const registry = await ensureLocalRegistry(chain, () => {}, process.env);
          let harness = await serviceOn(chain, registry);
          const digest = randomBytes(32).toString("hex") as Sha256Hex;
          await harness.service.notary.submit(digest);
          await harness.service.anchorer.runOnce();
          // Where the anchorer will call it: after the batch is mined, before it is marked anchored.
          await chain.flush();
          const receipt = harness.service.notary.document(digest).receipt!;
          expect(receipt, "anchored before the restart").to.not.equal(undefined);
          await harness.close();
          await chain.stop();

          chain = await startLocalChain(() => {}, setup);
          expect(await ensureLocalRegistry(chain, () => {}, process.env)).to.equal(registry);
          harness = await serviceOn(chain, registry);
          try {
            expect(harness.service.notary.document(digest).status).to.equal("anchored");
            expect(await harness.service.verifier.verify(digest, receipt)).to.include({
              valid: true,
              status: "anchored",
            });
            expect(await harness.service.verifier.verify(digest)).to.include({ valid: true, status: "anchored" });
          } finally {
            await harness.close();
          }
        } finally {
          await chain.stop();
          await rm(deploymentDirFor(IGNITION_DIR, setup.chainId), { recursive: true, force: true });
          rmSync(setup.stateDir, { recursive: true, force: true });
          rmSync(dataDir, { recursive: true, force: true });
        }
      });
    });

    describe("when Anvil is killed (SIGKILL) after a flush", function () {
      it("comes back with everything flushed, and without what was not", async function () {
        const setup = await localChainSetup();
        let chain = await startLocalChain(() => {}, setup);
        try {
          const [from, to] = await callRpc<string[]>(chain.rpcUrl, "eth_accounts", [], 10_000);
          const flushed: string[] = [];
          for (let i = 0; i < 3; i++) flushed.push(await sendAndWait(chain.rpcUrl, { from, to, value: "0x1" }));
          await chain.flush();
          const hashes = await blockHashes(chain.rpcUrl);
          const unflushed = await sendAndWait(chain.rpcUrl, { from, to, value: "0x1" });
          process.kill(chain.pid!, "SIGKILL");
          await reaped(chain.pid!);
          await chain.stop();

          chain = await startLocalChain(() => {}, setup);
          expect(await blockHashes(chain.rpcUrl)).to.deep.equal(hashes);
          for (const tx of flushed) {
            expect(await callRpc<unknown>(chain.rpcUrl, "eth_getTransactionReceipt", [tx], 10_000)).to.not.equal(null);
          }
          expect(await callRpc<unknown>(chain.rpcUrl, "eth_getTransactionReceipt", [unflushed], 10_000)).to.equal(null);
          expect(await nonceOf(chain.rpcUrl, from)).to.equal(3);
        } finally {
          await chain.stop();
          rmSync(setup.stateDir, { recursive: true, force: true });
        }
      });

      it("says the chain stopped when asked to flush it", async function () {
        const setup = await localChainSetup();
        const chain = await startLocalChain(() => {}, setup);
        try {
          process.kill(chain.pid!, "SIGKILL");
          await reaped(chain.pid!);
          const error = await chain.flush().catch((e: unknown) => e);
          expect(isLocalChainError(error, "chain-flush-failed"), String(error)).to.equal(true);
        } finally {
          await chain.stop();
          rmSync(setup.stateDir, { recursive: true, force: true });
        }
      });
    });

    describe("when blocks are mined while it flushes", function () {
      it("saves the accounts and the blocks of one and the same head, every time", async function () {
        const setup = await localChainSetup();
        let chain = await startLocalChain(() => {}, setup);
        try {
          const accounts = await callRpc<string[]>(chain.rpcUrl, "eth_accounts", [], 10_000);
          const senders = accounts.slice(0, 2);
          let sending = true;
          const traffic = senders.map(async (from) => {
            while (sending) {
              await callRpc(chain.rpcUrl, "eth_sendTransaction", [{ from, to: accounts[5], value: "0x1" }], 10_000);
              await new Promise((resolve) => setTimeout(resolve, randomInt(5)));
            }
          });
          const inconsistent: string[] = [];
          for (let i = 0; i < 40; i++) {
            await chain.flush();
            const state = JSON.parse(readFileSync(chain.stateFile!, "utf8")) as {
              accounts: Record<string, { nonce: number | string }>;
              blocks: { header: { number: string }; transactions: unknown[] }[];
              best_block_number: number | string;
            };
            const nonces = senders
              .map((sender) => Object.entries(state.accounts).find(([a]) => a.toLowerCase() === sender.toLowerCase()))
              .reduce((sum, entry) => sum + Number(entry?.[1].nonce ?? 0), 0);
            const mined = state.blocks.reduce((sum, block) => sum + block.transactions.length, 0);
            const highest = Math.max(...state.blocks.map((block) => Number(block.header.number)));
            if (nonces !== mined || highest !== Number(state.best_block_number)) {
              inconsistent.push(`flush ${i}: nonces ${nonces}, transactions ${mined}, head ${highest}`);
            }
          }
          sending = false;
          await Promise.all(traffic);
          expect(inconsistent).to.deep.equal([]);

          await chain.flush();
          const head = await blockAt(chain.rpcUrl, "latest");
          process.kill(chain.pid!, "SIGKILL");
          await reaped(chain.pid!);
          await chain.stop();
          chain = await startLocalChain(() => {}, setup);
          expect((await blockAt(chain.rpcUrl, "latest")).hash).to.equal(head.hash);
          const [from, to] = senders;
          await sendAndWait(chain.rpcUrl, { from, to, value: "0x1" });
        } finally {
          await chain.stop();
          rmSync(setup.stateDir, { recursive: true, force: true });
        }
      });
    });

    describe("when the service and Anvil are killed together during flushes", function () {
      it("always leaves a state file that loads, with every completed flush in it", async function () {
        const setup = await localChainSetup();
        try {
          // Some megabytes of state, so that writing it takes long enough to be interrupted.
          const seed = await startLocalChain(() => {}, setup);
          const [from, to] = await callRpc<string[]>(seed.rpcUrl, "eth_accounts", [], 10_000);
          for (let i = 0; i < 40; i++) {
            await sendAndWait(seed.rpcUrl, { from, to, data: `0x${randomBytes(32_000).toString("hex")}` });
          }
          await seed.stop();
          const kills: string[] = [];
          for (let round = 0; round < 6; round++) {
            const loop = new ManagedProcess(
              process.execPath,
              [
                "-r",
                "ts-node/register/transpile-only",
                FLUSH_LOOP,
                String(setup.port),
                String(setup.chainId),
                setup.stateDir,
              ],
              { env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") } },
            );
            const anvilPid = await poll("the loop to start Anvil", async () => {
              if (loop.hasExited) throw new Error(loop.log);
              return /anvil (\d+)/.exec(loop.log)?.[1];
            });
            await poll("a first flush", async () => (loop.log.includes("flushed 2 ") ? true : undefined));
            // Even rounds: kill while the new state is being written (its temporary file exists);
            // odd rounds: at a random moment of the loop.
            if (round % 2 === 0) {
              await poll(
                "a flush in the middle of writing",
                async () => (leftoverTemporaries(setup.stateDir).length > 0 ? true : undefined),
                60_000,
                1,
              );
            } else {
              await new Promise((resolve) => setTimeout(resolve, randomInt(400)));
            }
            const writing = leftoverTemporaries(setup.stateDir).length > 0;
            process.kill(loop.pid, "SIGKILL");
            process.kill(Number(anvilPid), "SIGKILL");
            await loop.wait();
            await poll("Anvil to die", async () => ((await freePortAnswers(setup.port)) ? undefined : true));
            kills.push(writing ? "while writing" : "between writes");

            const lastFlushed = [...loop.log.matchAll(/flushed \d+ (0x[0-9a-f]{64})/g)].at(-1)![1];
            expectLoadable(path.join(setup.stateDir, ANVIL_STATE_FILE));
            const chain = await startLocalChain(() => {}, setup);
            try {
              expect(leftoverTemporaries(setup.stateDir), "temporary files left after a start").to.deep.equal([]);
              const receipt = await callRpc<unknown>(chain.rpcUrl, "eth_getTransactionReceipt", [lastFlushed], 10_000);
              expect(receipt, `the last flushed transaction of round ${round}`).to.not.equal(null);
            } finally {
              await chain.stop();
            }
          }
          console.log(`        killed ${kills.join(", ")}`);
          expect(kills, "no kill landed while a state file was being written").to.include("while writing");
        } finally {
          rmSync(setup.stateDir, { recursive: true, force: true });
        }
      });
    });

    describe("when the state file is damaged", function () {
      for (const [damage, harm] of [
        ["truncated", (file: string) => truncateSync(file, Math.floor(statSync(file).size / 2))],
        ["overwritten with other bytes", (file: string) => writeFileSync(file, randomBytes(2_000))],
        ["emptied", (file: string) => truncateSync(file, 0)],
      ] as const) {
        it(`refuses to start when it is ${damage}, naming the file and leaving it as it is`, async function () {
          const setup = await localChainSetup();
          try {
            const chain = await startLocalChain(() => {}, setup);
            const [from, to] = await callRpc<string[]>(chain.rpcUrl, "eth_accounts", [], 10_000);
            await sendAndWait(chain.rpcUrl, { from, to, value: "0x1" });
            await chain.stop();
            harm(chain.stateFile!);
            const damaged = readFileSync(chain.stateFile!);

            const error = await startLocalChain(() => {}, setup).catch((e: unknown) => e);
            expect(isLocalChainError(error, "chain-state-unreadable"), String(error)).to.equal(true);
            expect((error as Error).message).to.include(chain.stateFile!);
            expect((error as Error).message).to.include("move it aside");
            expect(readFileSync(chain.stateFile!).equals(damaged), "the damaged file was changed").to.equal(true);
            expect(await freePortAnswers(setup.port), "a chain was started over it").to.equal(false);
          } finally {
            rmSync(setup.stateDir, { recursive: true, force: true });
          }
        });
      }

      it("refuses it as well when the chain record beside it is lost", async function () {
        const setup = await localChainSetup();
        try {
          const chain = await startLocalChain(() => {}, setup);
          await chain.stop();
          truncateSync(chain.stateFile!, 50);
          rmSync(path.join(setup.stateDir, "chain.json"));
          const error = await startLocalChain(() => {}, setup).catch((e: unknown) => e);
          expect(isLocalChainError(error, "chain-state-unreadable"), String(error)).to.equal(true);
          expect((error as Error).message).to.include(chain.stateFile!);
        } finally {
          rmSync(setup.stateDir, { recursive: true, force: true });
        }
      });
    });

    describe("when the chain record beside the state is lost", function () {
      it("reads the genesis time from the state and comes back on the same chain", async function () {
        const setup = await localChainSetup();
        let chain = await startLocalChain(() => {}, setup);
        try {
          const [from, to] = await callRpc<string[]>(chain.rpcUrl, "eth_accounts", [], 10_000);
          await sendAndWait(chain.rpcUrl, { from, to, value: "0x1" });
          const hashes = await blockHashes(chain.rpcUrl);
          await chain.stop();
          rmSync(path.join(setup.stateDir, "chain.json"));
          chain = await startLocalChain(() => {}, setup);
          expect(await blockHashes(chain.rpcUrl)).to.deep.equal(hashes);
        } finally {
          await chain.stop();
          rmSync(setup.stateDir, { recursive: true, force: true });
        }
      });
    });
  });

  describe("Anvil behaviour behind these choices", function () {
    /** A saved local chain with one block mined `delayMs` after its genesis, stopped. */
    async function savedChain(delayMs = 0) {
      const setup = await localChainSetup();
      const chain = await startLocalChain(() => {}, setup);
      const [from, to] = await callRpc<string[]>(chain.rpcUrl, "eth_accounts", [], 10_000);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await sendAndWait(chain.rpcUrl, { from, to, value: "0x1" });
      const block1 = await blockAt(chain.rpcUrl, "0x1");
      await chain.stop();
      return { setup, from, to, block1, record: (await readChainRecord(setup.stateDir))!, stateFile: chain.stateFile! };
    }

    it("--load-state without the original --timestamp adds a second, different genesis block", async function () {
      const { setup, record, stateFile } = await savedChain();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const url = `http://127.0.0.1:${setup.port}`;
      const anvil = startAnvil(setup.port, setup.chainId, ["--load-state", stateFile]);
      try {
        await waitForRpc(url, anvil);
        const dump = await callRpc<string>(url, "anvil_dumpState", [], 60_000);
        const state = JSON.parse(gunzipSync(Buffer.from(dump.slice(2), "hex")).toString("utf8")) as {
          blocks: { header: { number: string; hash?: string; timestamp: string } }[];
        };
        const genesisTimes = state.blocks
          .filter((block) => BigInt(block.header.number) === 0n)
          .map((block) => Number(block.header.timestamp));
        // Which of the two eth_getBlockByNumber(0) then answers varies from one start to the next.
        expect(genesisTimes).to.have.length(2);
        expect(genesisTimes).to.include(record.genesisTimestamp);
      } finally {
        await anvil.stop();
        rmSync(setup.stateDir, { recursive: true, force: true });
      }
    });

    it("a loaded chain stamps new blocks from the genesis time until its clock is set", async function () {
      const { setup, from, to, record, block1, stateFile } = await savedChain(2_100);
      const url = `http://127.0.0.1:${setup.port}`;
      const anvil = startAnvil(setup.port, setup.chainId, [
        "--timestamp",
        String(record.genesisTimestamp),
        "--load-state",
        stateFile,
      ]);
      try {
        await waitForRpc(url, anvil);
        await sendAndWait(url, { from, to, value: "0x1" });
        const block2 = await blockAt(url, "0x2");
        expect(Number(block2.timestamp), "a block earlier than its parent").to.be.below(Number(block1.timestamp));
      } finally {
        await anvil.stop();
        rmSync(setup.stateDir, { recursive: true, force: true });
      }
    });

    it("anvil_dumpState keeps no historical states: after a restart, state at earlier blocks is unavailable", async function () {
      const { setup, to } = await savedChain();
      const chain = await startLocalChain(() => {}, setup);
      try {
        expect(await callRpc<string>(chain.rpcUrl, "eth_getBalance", [to, "latest"], 10_000)).to.match(/^0x/);
        const error = await callRpc<string>(chain.rpcUrl, "eth_getBalance", [to, "0x0"], 10_000).catch((e: Error) => e);
        expect(String(error)).to.include("BlockOutOfRange");
      } finally {
        await chain.stop();
        rmSync(setup.stateDir, { recursive: true, force: true });
      }
    });

    it("its own writer (--state with --state-interval) truncates the file in place: a kill mid-write empties it", async function () {
      const setup = await localChainSetup();
      try {
        const seed = await startLocalChain(() => {}, setup);
        const [from, to] = await callRpc<string[]>(seed.rpcUrl, "eth_accounts", [], 10_000);
        for (let i = 0; i < 40; i++) {
          await sendAndWait(seed.rpcUrl, { from, to, data: `0x${randomBytes(32_000).toString("hex")}` });
        }
        await seed.stop();
        const stateFile = path.join(setup.stateDir, ANVIL_STATE_FILE);
        const record = (await readChainRecord(setup.stateDir))!;
        const fullSize = statSync(stateFile).size;
        let torn = 0;
        for (let attempt = 0; attempt < 5 && torn === 0; attempt++) {
          const anvil = startAnvil(setup.port, setup.chainId, [
            "--timestamp",
            String(record.genesisTimestamp),
            "--state",
            stateFile,
            "--state-interval",
            "1",
          ]);
          await waitForRpc(`http://127.0.0.1:${setup.port}`, anvil);
          const deadline = Date.now() + 15_000;
          while (Date.now() < deadline && statSync(stateFile).size > fullSize / 2) {
            // poll as fast as possible: the write window is a few milliseconds
          }
          process.kill(anvil.pid, "SIGKILL");
          await anvil.wait();
          try {
            JSON.parse(readFileSync(stateFile, "utf8"));
          } catch {
            torn++;
          }
        }
        expect(torn, "Anvil's own writer was never caught mid-write").to.equal(1);
      } finally {
        rmSync(setup.stateDir, { recursive: true, force: true });
      }
    });
  });

  describe("with a chain already answering at the port", function () {
    it("uses a Hardhat node as it is and says proofs vanish at restart", async function () {
      const setup = await localChainSetup();
      const node = startHardhatNode(setup.port, setup.chainId);
      try {
        await waitForRpc(`http://127.0.0.1:${setup.port}`, node);
        const chain = await startLocalChain(() => {}, setup);
        expect(chain.client).to.equal("hardhat");
        expect(chain.persistence).to.equal("in-memory");
        expect(chain.started).to.equal(false);
        const summary = summarizeLocalChain(chain);
        expect(summary).to.include({ durable: false, client: "hardhat", chainId: setup.chainId });
        expect(summary.warning).to.include("proofs vanish at restart");
        expect(describeLocalChain(chain).join("\n")).to.include("proofs vanish at restart");
        await chain.flush();
        await chain.stop();
        expect(await freePortAnswers(setup.port), "stopped a node it did not start").to.equal(true);
      } finally {
        await node.stop();
        rmSync(setup.stateDir, { recursive: true, force: true });
      }
    });

    it("uses an Anvil node it did not start as a chain of unknown persistence", async function () {
      const setup = await localChainSetup();
      const node = startAnvil(setup.port, setup.chainId);
      try {
        await waitForRpc(`http://127.0.0.1:${setup.port}`, node);
        const chain = await startLocalChain(() => {}, setup);
        expect(chain).to.include({ client: "anvil", persistence: "unknown", started: false, stateFile: undefined });
        expect(summarizeLocalChain(chain).warning).to.include("not saved by docproof");
        expect(existsSync(path.join(setup.stateDir, ANVIL_STATE_FILE))).to.equal(false);
      } finally {
        await node.stop();
        rmSync(setup.stateDir, { recursive: true, force: true });
      }
    });
  });

  describe("startLocalChain({ kind: 'hardhat' })", function () {
    it("starts an in-memory Hardhat node and stops it", async function () {
      const setup = await localChainSetup();
      try {
        const chain = await startLocalChain(() => {}, { ...setup, kind: "hardhat" });
        expect(chain).to.include({ client: "hardhat", persistence: "in-memory", started: true });
        expect(chain.chainId).to.equal(BigInt(setup.chainId));
        expect(existsSync(path.join(setup.stateDir, ANVIL_STATE_FILE))).to.equal(false);
        await chain.stop();
        expect(await freePortAnswers(setup.port)).to.equal(false);
      } finally {
        rmSync(setup.stateDir, { recursive: true, force: true });
      }
    });
  });

  describe("summarizeLocalChain", function () {
    it("reports a durable chain with its state file and no warning", async function () {
      const setup = await localChainSetup();
      const chain = await startLocalChain(() => {}, setup);
      try {
        expect(summarizeLocalChain(chain)).to.deep.equal({
          rpcUrl: `http://127.0.0.1:${setup.port}`,
          chainId: setup.chainId,
          client: "anvil",
          durable: true,
          persistence: "durable",
          stateFile: path.join(setup.stateDir, ANVIL_STATE_FILE),
        });
        expect(describeLocalChain(chain)).to.have.length(1);
      } finally {
        await chain.stop();
        rmSync(setup.stateDir, { recursive: true, force: true });
      }
    });
  });

  describe("flush cost as the chain grows", function () {
    it("measures the state size and flush time at 1,000 blocks with 100 batches of 1,000 documents", async function () {
      const setup = await localChainSetup();
      const chain = await startLocalChain(() => {}, setup);
      try {
        const registry = await ensureLocalRegistry(chain, () => {}, process.env);
        const rows: string[] = [];
        let batches = 0;
        for (const target of [10, 50, 100]) {
          await anchorBatches(chain, registry, target - batches, 1_000);
          batches = target;
          const blocks = Number(await callRpc<string>(chain.rpcUrl, "eth_blockNumber", [], 10_000));
          const times: number[] = [];
          for (let i = 0; i < 3; i++) {
            const started = performance.now();
            await chain.flush();
            times.push(performance.now() - started);
          }
          times.sort((a, b) => a - b);
          const megabytes = statSync(chain.stateFile!).size / 1e6;
          rows.push(
            `${batches} batches, ${blocks} blocks: ${megabytes.toFixed(1)} MB, flush ${Math.round(times[1])} ms`,
          );
        }
        // Empty blocks up to 1,000, as a chain that also carries other transactions would have.
        const blocks = Number(await callRpc<string>(chain.rpcUrl, "eth_blockNumber", [], 10_000));
        await callRpc(chain.rpcUrl, "anvil_mine", [`0x${(1_000 - blocks).toString(16)}`], 120_000);
        const started = performance.now();
        await chain.flush();
        const flushMs = performance.now() - started;
        const size = statSync(chain.stateFile!).size;
        rows.push(`100 batches, 1000 blocks: ${(size / 1e6).toFixed(1)} MB, flush ${Math.round(flushMs)} ms`);
        await chain.stop();
        const loadStarted = performance.now();
        const reloaded = await startLocalChain(() => {}, setup);
        rows.push(`start from that state: ${Math.round(performance.now() - loadStarted)} ms`);
        try {
          expect(Number(await callRpc<string>(reloaded.rpcUrl, "eth_blockNumber", [], 10_000))).to.equal(1_000);
        } finally {
          await reloaded.stop();
        }
        for (const row of rows) console.log(`        ${row}`);
        expect(size, "the state holds the batches' calldata").to.be.above(100 * 1_000 * 64);
      } finally {
        await chain.stop();
        await rm(deploymentDirFor(IGNITION_DIR, setup.chainId), { recursive: true, force: true });
        rmSync(setup.stateDir, { recursive: true, force: true });
      }
    });
  });
});

async function freePortAnswers(port: number): Promise<boolean> {
  return callRpc<string>(`http://127.0.0.1:${port}`, "eth_chainId", [], 1_000).then(
    () => true,
    () => false,
  );
}

/** Waits until `pid` is gone and reaped, so its ChildProcess has seen the exit. */
async function reaped(pid: number): Promise<void> {
  await poll(`process ${pid} to be reaped`, async () => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return true;
    }
  });
}
