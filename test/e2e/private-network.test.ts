import { expect } from "chai";
import { randomInt } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { JsonRpcProvider, Network } from "ethers";
import { DocumentRegistry__factory } from "../../typechain-types";
import { deploymentDirFor, readRegistryAddress } from "../../server/chain/deployment-record";
import { buildBatch, leafOf } from "../../server/proof/merkle";
import { randomDigest, randomDigests } from "../contracts/fixtures";
import { devAccount } from "../support/dev-accounts";
import {
  freePort,
  groupAlive,
  ROOT,
  run,
  startAnvil,
  startHardhatNode,
  waitForRpc,
  type ManagedProcess,
} from "../support/processes";

const IGNITION_DIR = path.join(ROOT, "ignition");
const ANCHORED = 1n;

const NODES = [
  { name: "a standalone Hardhat node", start: startHardhatNode },
  { name: "Anvil", start: (port: number, chainId: number) => startAnvil(port, chainId) },
];

describe("deployment to a private network (real node processes)", function () {
  this.timeout(240_000);

  for (const { name, start } of NODES) {
    describe(`on ${name}`, function () {
      const chainId = 900_000 + randomInt(100_000);
      let node: ManagedProcess;
      let rpcUrl: string;
      const deployer = devAccount(0);
      const secondRegistrar = devAccount(3);

      before(async function () {
        const port = await freePort();
        rpcUrl = `http://127.0.0.1:${port}`;
        node = start(port, chainId);
        expect(await waitForRpc(rpcUrl, node)).to.equal(BigInt(chainId));
      });

      after(async function () {
        await rm(deploymentDirFor(IGNITION_DIR, chainId), { recursive: true, force: true });
        if (node) {
          const pid = node.pid;
          await node.stop();
          expect(groupAlive(pid), "node processes left running").to.equal(false);
        }
      });

      const env = () => ({
        RPC_URL: rpcUrl,
        PRIVATE_KEY: deployer.privateKey,
        CHAIN_ID: String(chainId),
        HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "true",
      });

      it("deploys with `npm run deploy -- --network private` and records the address for the chain id", async function () {
        const { code, output } = await run("npm", ["run", "deploy", "--", "--network", "private"], env());
        expect(code, output).to.equal(0);
        expect(output).to.not.include(deployer.privateKey.slice(2));
        const address = await readRegistryAddress(IGNITION_DIR, chainId);
        expect(address, output).to.match(/^0x[0-9a-fA-F]{40}$/);
      });

      it("grants a registrar with `npm run registrar -- grant`", async function () {
        const { code, output } = await run(
          "npm",
          ["run", "registrar", "--", "grant", secondRegistrar.address, "--network", "private"],
          env(),
        );
        expect(code, output).to.equal(0);
        expect(output).to.include(`Granted the registrar role to ${secondRegistrar.address}`);
        const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1 });
        const registry = DocumentRegistry__factory.connect(
          (await readRegistryAddress(IGNITION_DIR, chainId))!,
          provider,
        );
        expect(await registry.hasRole(await registry.REGISTRAR_ROLE(), secondRegistrar.address)).to.equal(true);
        provider.destroy();
      });

      it("anchors a single document and a batch, and reads both back", async function () {
        const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1 });
        try {
          const address = (await readRegistryAddress(IGNITION_DIR, chainId))!;
          const registry = DocumentRegistry__factory.connect(address, deployer.connect(provider));
          expect(await registry.version()).to.equal("1.1.0");

          const single = randomDigest();
          const singleReceipt = await (await registry.anchor(single)).wait();
          const singleRecord = await registry.documentAnchorOf(single);
          expect(singleRecord.registrar).to.equal(deployer.address);
          expect(singleRecord.blockNumber).to.equal(BigInt(singleReceipt!.blockNumber));
          expect((await registry.verify(single, leafOf(single), []))[0]).to.equal(ANCHORED);

          const batch = buildBatch(randomDigests(50));
          const batchReceipt = await (await registry.anchorBatch(batch.root, [...batch.digests])).wait();
          const batchRecord = await registry.anchorOf(batch.root);
          expect(batchRecord.registrar).to.equal(deployer.address);
          expect(batchRecord.leafCount).to.equal(50n);
          expect(batchRecord.blockNumber).to.equal(BigInt(batchReceipt!.blockNumber));
          const block = await provider.getBlock(batchReceipt!.blockNumber);
          expect(batchRecord.anchoredAt).to.equal(BigInt(block!.timestamp));
          for (const digest of batch.digests) {
            expect((await registry.verify(digest, batch.root, batch.proofOf(digest)))[0]).to.equal(ANCHORED);
          }
        } finally {
          provider.destroy();
        }
      });

      it("refuses to deploy when CHAIN_ID names another chain", async function () {
        const { code, output } = await run("npm", ["run", "deploy", "--", "--network", "private"], {
          ...env(),
          CHAIN_ID: String(chainId + 1),
        });
        expect(code).to.not.equal(0);
        expect(output).to.match(/chain ?id/i);
      });
    });
  }

  describe("without RPC_URL", function () {
    it("fails with a message naming the variable", async function () {
      const { code, output } = await run("npm", ["run", "deploy", "--", "--network", "private"], {
        RPC_URL: "",
        PRIVATE_KEY: "",
      });
      expect(code).to.not.equal(0);
      expect(output).to.include("RPC_URL is required for --network private");
    });
  });
});
