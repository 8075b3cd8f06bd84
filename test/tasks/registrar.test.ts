import { expect } from "chai";
import { execFile } from "node:child_process";
import { randomInt } from "node:crypto";
import path from "node:path";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import DocumentRegistryModule from "../../ignition/modules/DocumentRegistry";
import { parseRegistrarArguments, RegistrarError, type RegistrarArguments } from "../../tasks/registrar";
import type { DocumentRegistry } from "../../typechain-types";
import { ROOT } from "../support/processes";

const { ethers } = hre;
const MEMBER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const LEI = "5493001KJTIIGC8Y1R12";

/** The registry deployed through the module; the task signs with the first account, its admin. */
async function deployedRegistryFixture() {
  const [admin, member, other] = await ethers.getSigners();
  const { registry } = await hre.ignition.deploy(DocumentRegistryModule);
  return { registry: registry as unknown as DocumentRegistry, admin, member, other };
}

/** The registry with another admin than the task's account. */
async function foreignRegistryFixture() {
  const [, member, other] = await ethers.getSigners();
  const { registry } = await hre.ignition.deploy(DocumentRegistryModule, {
    parameters: { DocumentRegistryModule: { admin: other.address } },
  });
  return { registry: registry as unknown as DocumentRegistry, member, other };
}

interface TaskOutcome {
  stdout: string[];
  stderr: string[];
  exitCode: number | undefined;
}

/** Runs the task in this process, capturing its output and the exit status it sets. */
async function runTask(args: Partial<RegistrarArguments>): Promise<TaskOutcome> {
  const outcome: TaskOutcome = { stdout: [], stderr: [], exitCode: undefined };
  const { log, error } = console;
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  console.log = (...line: unknown[]) => outcome.stdout.push(line.join(" "));
  console.error = (...line: unknown[]) => outcome.stderr.push(line.join(" "));
  try {
    await hre.run("registrar", args);
  } finally {
    console.log = log;
    console.error = error;
    outcome.exitCode = process.exitCode === undefined ? undefined : Number(process.exitCode);
    process.exitCode = previousExitCode;
  }
  return outcome;
}

/** Runs `hardhat registrar ...` as its own process, as operators do. */
function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  const hardhat = path.join(ROOT, "node_modules", ".bin", "hardhat");
  return new Promise((resolve) => {
    execFile(hardhat, ["registrar", ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ status: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });
}

function usageError(args: Partial<RegistrarArguments>): RegistrarError {
  try {
    parseRegistrarArguments({ action: "name", account: MEMBER, ...args }, ethers.isAddress);
  } catch (error) {
    if (error instanceof RegistrarError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(args)}`);
}

describe("registrar task", function () {
  describe("parseRegistrarArguments", function () {
    it("accepts grant and revoke of an address, and name with a name and an optional URI", function () {
      const parse = (args: RegistrarArguments) => parseRegistrarArguments(args, ethers.isAddress);
      expect(parse({ action: "grant", account: MEMBER })).to.deep.equal({
        action: "grant",
        account: MEMBER,
        registry: undefined,
      });
      expect(parse({ action: "revoke", account: MEMBER.toLowerCase() }).action).to.equal("revoke");
      expect(parse({ action: "grant", account: MEMBER, name: "Bank A", uri: LEI }).entry).to.deep.equal({
        name: "Bank A",
        uri: LEI,
      });
      expect(parse({ action: "name", account: MEMBER, organisation: "Банк" }).entry).to.deep.equal({
        name: "Банк",
        uri: undefined,
      });
      expect(parse({ action: "name", account: MEMBER, organisation: "Bank A", uri: "" }).entry?.uri).to.equal("");
    });

    it("refuses an unknown action", function () {
      const error = usageError({ action: "delete" });
      expect([error.code, error.exitCode, error.message]).to.deep.equal([
        "unknown-action",
        2,
        'unknown action "delete": use grant, revoke or name.',
      ]);
    });

    it("refuses an account or registry that is not an address, a wrong checksum included", function () {
      const badChecksum = MEMBER.replace("C51812dc", "c51812dc");
      for (const args of [
        { account: "0x12" },
        { account: "bank-a" },
        { account: badChecksum },
        { organisation: "Bank A", registry: "registry" },
      ]) {
        const error = usageError(args);
        expect([error.code, error.exitCode], JSON.stringify(args)).to.deep.equal(["invalid-address", 2]);
      }
      expect(usageError({ account: "0x12" }).message).to.equal(
        '"0x12" is not an address (0x and 40 hex digits, checksummed or in one case).',
      );
    });

    it("refuses a bad name, naming the problem and its byte", function () {
      for (const [name, message] of [
        ["", "the name is empty; a name is 1 to 64 bytes of UTF-8."],
        ["A".repeat(65), "the name is 65 bytes long; a name is 1 to 64 bytes of UTF-8."],
        ["Bank  A", "the name has two spaces in a row at byte 5."],
        [" Bank A", "the name has a leading space at byte 0."],
        ["Bank A ", "the name has a trailing space at byte 6."],
        ["Bank\tA", "the name has the control character U+0009 at byte 4."],
        ["Bänk\u0085", "the name has the control character U+0085 at byte 5."],
        ["Bank \uD800", "the name is not well-formed UTF-8 at byte 5 (a lone surrogate)."],
      ]) {
        const error = usageError({ organisation: name });
        expect([error.code, error.exitCode, error.message], JSON.stringify(name)).to.deep.equal([
          "invalid-name",
          2,
          message,
        ]);
      }
      expect(usageError({ action: "grant", name: "Bank  A" }).code).to.equal("invalid-name");
    });

    it("refuses a bad URI", function () {
      for (const [uri, message] of [
        ["https://bank.example/a b", "the URI has a space at byte 22."],
        ["https://bänk.example", "the URI has byte 0xC3, not visible ASCII, at byte 9."],
        [`https://${"a".repeat(249)}`, "the URI is 257 bytes long; a URI is at most 256 bytes."],
      ]) {
        const error = usageError({ organisation: "Bank A", uri });
        expect([error.code, error.exitCode, error.message]).to.deep.equal(["invalid-uri", 2, message]);
      }
    });

    it("refuses a missing name and arguments in the wrong place", function () {
      const cases: [Partial<RegistrarArguments>, string, string][] = [
        [{ action: "name" }, "missing-name", 'name needs a name: name <address> "<name>".'],
        [{ action: "grant", uri: LEI }, "missing-name", "--uri needs --name."],
        [
          { action: "grant", organisation: "Bank A" },
          "misplaced-argument",
          'unexpected "Bank A": name the organisation with --name "Bank A".',
        ],
        [
          { action: "revoke", organisation: "Bank A" },
          "misplaced-argument",
          'unexpected "Bank A": revoke takes one address.',
        ],
        [
          { action: "revoke", name: "Bank A" },
          "misplaced-argument",
          "revoke changes no name: the organisation keeps its name in the directory.",
        ],
        [
          { action: "name", name: "Bank A" },
          "misplaced-argument",
          'give the name as the third word: name <address> "<name>".',
        ],
      ];
      for (const [args, code, message] of cases) {
        const error = usageError(args);
        expect([error.code, error.exitCode, error.message], JSON.stringify(args)).to.deep.equal([code, 2, message]);
      }
    });
  });

  describe("in this process, on the Hardhat network", function () {
    it("grants the role and names the organisation with grant --name --uri", async function () {
      const { registry, member } = await loadFixture(deployedRegistryFixture);
      const address = await registry.getAddress();
      const outcome = await runTask({
        action: "grant",
        account: member.address,
        name: "Bank A",
        uri: LEI,
        registry: address,
      });
      expect(outcome.exitCode).to.equal(undefined);
      expect(outcome.stdout).to.have.length(2);
      expect(outcome.stdout[0]).to.include(`Granted the registrar role to ${member.address} on ${address}`);
      expect(outcome.stdout[1]).to.include(`Named "Bank A" (${LEI}) for ${member.address} on ${address}`);
      expect(await registry.hasRole(await registry.REGISTRAR_ROLE(), member.address)).to.equal(true);
      expect([...(await registry.organisationOf(member.address))].slice(0, 2)).to.deep.equal(["Bank A", LEI]);
    });

    it("names an address without the role, and renames it keeping its URI unless --uri is given", async function () {
      const { registry, member } = await loadFixture(deployedRegistryFixture);
      const registryAddress = await registry.getAddress();
      const name = (organisation: string, uri?: string) =>
        runTask({ action: "name", account: member.address, organisation, uri, registry: registryAddress });

      expect((await name("Banco de España", "https://bde.example")).stdout[0]).to.include(
        `Named "Banco de España" (https://bde.example) for ${member.address}`,
      );
      expect(await registry.hasRole(await registry.REGISTRAR_ROLE(), member.address)).to.equal(false);
      expect((await name("Banco de España, S.A.")).stdout[0]).to.include(
        `Renamed "Banco de España" to "Banco de España, S.A." (https://bde.example) for ${member.address}`,
      );
      await name("Banco de España, S.A.", "");
      const events = await registry.queryFilter(registry.filters.OrganisationRecorded(member.address));
      expect(events.map((event) => [event.args.name, event.args.uri])).to.deep.equal([
        ["Banco de España", "https://bde.example"],
        ["Banco de España, S.A.", "https://bde.example"],
        ["Banco de España, S.A.", ""],
      ]);
    });

    it("sends nothing when the entry is already recorded", async function () {
      const { registry, member } = await loadFixture(deployedRegistryFixture);
      const args = {
        action: "name",
        account: member.address,
        organisation: "Bank A",
        registry: await registry.getAddress(),
      };
      await runTask(args);
      const block = await ethers.provider.getBlockNumber();
      const outcome = await runTask(args);
      expect(outcome.stdout[0]).to.include(`${member.address} is already named "Bank A"`);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("revokes the role and leaves the name, saying so", async function () {
      const { registry, member } = await loadFixture(deployedRegistryFixture);
      const registryAddress = await registry.getAddress();
      await runTask({ action: "grant", account: member.address, name: "Bank A", registry: registryAddress });
      const outcome = await runTask({ action: "revoke", account: member.address, registry: registryAddress });
      expect(outcome.stdout).to.deep.equal([
        outcome.stdout[0],
        `${member.address} is named "Bank A" in the directory.`,
      ]);
      expect(outcome.stdout[0]).to.include(`Revoked the registrar role from ${member.address}`);
      expect((await registry.organisationOf(member.address)).name).to.equal("Bank A");
    });

    it("refuses, in one line with status 1, when its account is not the registry's admin", async function () {
      const { registry, member, other } = await loadFixture(foreignRegistryFixture);
      const [signer] = await ethers.getSigners();
      const address = await registry.getAddress();
      const outcome = await runTask({
        action: "name",
        account: member.address,
        organisation: "Bank A",
        registry: address,
      });
      expect(outcome).to.deep.equal({
        stdout: [],
        stderr: [`registrar: ${signer.address} is not the admin of the registry ${address} (${other.address} is).`],
        exitCode: 1,
      });
      expect(await registry.organisationCount()).to.equal(0n);
    });

    it("refuses a bad name in one line with status 2, sending nothing", async function () {
      const { registry, member } = await loadFixture(deployedRegistryFixture);
      const block = await ethers.provider.getBlockNumber();
      const outcome = await runTask({
        action: "grant",
        account: member.address,
        name: "Bank  A",
        registry: await registry.getAddress(),
      });
      expect(outcome).to.deep.equal({
        stdout: [],
        stderr: ["registrar: the name has two spaces in a row at byte 5."],
        exitCode: 2,
      });
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });
  });

  describe("as its own process", function () {
    this.timeout(120_000);

    it("prints one line and exits with status 2 for a bad address", async function () {
      const result = await runCli(["name", "0x12", "Bank A"]);
      expect(result).to.deep.equal({
        status: 2,
        stdout: "",
        stderr: 'registrar: "0x12" is not an address (0x and 40 hex digits, checksummed or in one case).\n',
      });
    });

    it("prints one line and exits with status 2 for a bad name", async function () {
      const result = await runCli(["grant", MEMBER, "--name", "Bank\u0007A"]);
      expect(result).to.deep.equal({
        status: 2,
        stdout: "",
        stderr: "registrar: the name has the control character U+0007 at byte 4.\n",
      });
    });

    it("prints one line and exits with status 1 when no registry is deployed", async function () {
      // A chain id no deployment record can exist for, whatever was deployed from this checkout.
      const chainId = 800_000 + randomInt(100_000);
      const result = await runCli(["name", MEMBER, "Bank A", "--network", "hardhat"], {
        LOCAL_CHAIN_ID: String(chainId),
      });
      expect(result).to.deep.equal({
        status: 1,
        stdout: "",
        stderr: `registrar: no DocumentRegistry deployment recorded for chain ${chainId}: deploy first, or pass --registry.\n`,
      });
    });
  });
});
