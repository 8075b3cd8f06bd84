import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import type { Hex32 } from "../../server/proof/digest";
import { buildBatch, leafOf } from "../../server/proof/merkle";
import { checkOrganisation, type OrganisationFaultCode } from "../../server/proof/organisation";
import { deployRegistryFixture } from "./fixtures";

/**
 * Random sequences of actions by random accounts, checked step by step against a TypeScript model
 * of the registry. The seed is printed when a sequence fails; `REGISTRY_SEED=<n>` replays it.
 */

const { ethers } = hre;
const Status = { Unknown: 0n, Anchored: 1n, Revoked: 2n };
const SEQUENCES = 4;
const STEPS = 250;
const FULL_CHECK_EVERY = 50;

/** mulberry32: small, fast and good enough to drive test choices reproducibly. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    int,
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[int(items.length)],
    bytes32: (): Hex32 =>
      `0x${Array.from({ length: 8 }, () => (int(2 ** 32) >>> 0).toString(16).padStart(8, "0")).join("")}` as Hex32,
  };
}

interface AnchorRecord {
  registrar: string;
  anchoredAt: bigint;
  blockNumber: bigint;
  leafCount: bigint;
  members: Hex32[];
}
interface OrganisationRecord {
  name: string;
  uri: string;
  updatedAt: bigint;
}
interface RevocationRecord {
  revokedBy: string;
  revokedAt: bigint;
  blockNumber: bigint;
  reason: bigint;
}

/** What the registry should hold, and who may do what. */
class RegistryModel {
  readonly anchors = new Map<Hex32, AnchorRecord>();
  readonly revocations = new Map<string, RevocationRecord>();
  readonly registrars: Set<string>;
  readonly organisations = new Map<string, OrganisationRecord>();
  /** Addresses in the order first named. */
  readonly directory: string[] = [];
  /** Every (name, URI) recorded per address, oldest first: what the events must show. */
  readonly namings = new Map<string, [string, string][]>();

  constructor(
    readonly admin: string,
    registrars: string[],
  ) {
    this.registrars = new Set(registrars);
  }

  isRegistrar(account: string) {
    return this.registrars.has(account);
  }

  proofOf(root: Hex32, digest: Hex32): Hex32[] {
    const members = this.anchors.get(root)?.members ?? [];
    return members.length <= 1 ? [] : buildBatch(members).proofOf(digest);
  }

  recordOrganisation(registrar: string, name: string, uri: string, updatedAt: bigint) {
    if (!this.organisations.has(registrar)) this.directory.push(registrar);
    this.organisations.set(registrar, { name, uri, updatedAt });
    this.namings.set(registrar, [...(this.namings.get(registrar) ?? []), [name, uri]]);
  }

  status(root: Hex32, digest: Hex32): bigint {
    const anchor = this.anchors.get(root);
    if (anchor === undefined || !anchor.members.includes(digest)) return Status.Unknown;
    return this.revocations.has(`${root}/${digest}`) ? Status.Revoked : Status.Anchored;
  }
}

interface Step {
  describe: string;
  /** The custom error expected, or undefined when the action must succeed. */
  expectedError?: string;
  send: () => Promise<ContractTransactionResponse>;
  /** Applies a successful action to the model, given the block it landed in. */
  apply?: (block: { timestamp: number; number: number }) => void;
  /** The (root, digest) pairs the step touched, checked right after it. */
  touched: [Hex32, Hex32][];
  /** Addresses whose directory entry the step may have changed, checked right after it. */
  named?: string[];
}

const DIRECTORY_ERRORS: Record<OrganisationFaultCode, string> = {
  "name-length": "DocumentRegistryInvalidOrganisationNameLength",
  "name-encoding": "DocumentRegistryInvalidOrganisationNameEncoding",
  "name-character": "DocumentRegistryInvalidOrganisationNameCharacter",
  "name-spacing": "DocumentRegistryInvalidOrganisationNameSpacing",
  "uri-length": "DocumentRegistryInvalidOrganisationUriLength",
  "uri-character": "DocumentRegistryInvalidOrganisationUriCharacter",
};
// Valid and invalid entries, few enough that names repeat and addresses get renamed.
const NAMES = [
  "Bank A",
  "Banco de España",
  "Банк",
  "東京登記所",
  "Bank A plc",
  "",
  " Bank",
  "Bank  A",
  "Bank\u0085",
  "é".repeat(33),
];
const URIS = ["", "https://bank.example", "5493001KJTIIGC8Y1R12", "https://bank.example/a b"];

describe("DocumentRegistry (invariants under random actions)", function () {
  this.timeout(120_000);
  const baseSeed = Number(process.env.REGISTRY_SEED ?? Math.floor(Math.random() * 2 ** 31));

  for (let sequence = 0; sequence < SEQUENCES; sequence++) {
    const seed = baseSeed + sequence;

    it(`keeps every invariant over ${STEPS} random actions (seed ${seed})`, async function () {
      const random = prng(seed);
      const { registry, admin, registrar, otherRegistrar, stranger, newAdmin, REGISTRAR_ROLE } =
        await loadFixture(deployRegistryFixture);
      const accounts: HardhatEthersSigner[] = [admin, registrar, otherRegistrar, stranger, newAdmin];
      const model = new RegistryModel(admin.address, [registrar.address, otherRegistrar.address]);
      // A small pool, so that the same digest and the same batch come up again.
      const pool: Hex32[] = Array.from({ length: 24 }, () => random.bytes32());
      const log: string[] = [];

      const subset = (size: number) => {
        const chosen = new Set<Hex32>();
        while (chosen.size < size) chosen.add(random.pick(pool));
        return [...chosen];
      };

      function nextStep(): Step {
        const account = random.pick(accounts);
        const who = accounts.indexOf(account);
        const unauthorized = model.isRegistrar(account.address) ? undefined : "AccessControlUnauthorizedAccount";
        const choice = random.int(100);

        if (choice < 30) {
          const digest = random.chance(0.05) ? (ethers.ZeroHash as Hex32) : random.pick(pool);
          const root = leafOf(digest);
          const expectedError =
            unauthorized ??
            (digest === ethers.ZeroHash
              ? "DocumentRegistryZeroDigest"
              : model.anchors.has(root)
                ? "DocumentRegistryAlreadyAnchored"
                : undefined);
          return {
            describe: `account ${who} anchor(${digest})`,
            expectedError,
            send: () => registry.connect(account).anchor(digest),
            apply: (block) =>
              model.anchors.set(root, {
                registrar: account.address,
                anchoredAt: BigInt(block.timestamp),
                blockNumber: BigInt(block.number),
                leafCount: 1n,
                members: [digest],
              }),
            touched: digest === ethers.ZeroHash ? [] : [[root, digest]],
          };
        }

        if (choice < 55) {
          const batch = buildBatch(subset(1 + random.int(6)));
          const digests = [...batch.digests];
          const variant = random.int(10);
          let root = batch.root;
          let expectedError = unauthorized;
          if (variant === 0) {
            root = random.bytes32();
            expectedError ??= "DocumentRegistryRootMismatch";
          } else if (variant === 1 && digests.length > 1) {
            digests.reverse();
            expectedError ??= "DocumentRegistryUnsortedBatch";
          }
          expectedError ??= model.anchors.has(root) ? "DocumentRegistryAlreadyAnchored" : undefined;
          return {
            describe: `account ${who} anchorBatch(${root}, ${digests.length} digests, variant ${variant})`,
            expectedError,
            send: () => registry.connect(account).anchorBatch(root, digests),
            apply: (block) =>
              model.anchors.set(root, {
                registrar: account.address,
                anchoredAt: BigInt(block.timestamp),
                blockNumber: BigInt(block.number),
                leafCount: BigInt(digests.length),
                members: [...batch.digests],
              }),
            touched: batch.digests.map((digest) => [root, digest] as [Hex32, Hex32]),
          };
        }

        if (choice < 80) {
          const roots = [...model.anchors.keys()];
          const known = roots.length > 0 && !random.chance(0.1);
          const root = known ? random.pick(roots) : random.bytes32();
          const anchor = model.anchors.get(root);
          const member = anchor !== undefined && !random.chance(0.1);
          const digest = member ? random.pick(anchor!.members) : random.pick(pool);
          const proof = member ? model.proofOf(root, digest) : [random.bytes32()];
          const reason = BigInt(random.int(65_536));
          const mayRevoke =
            account.address === model.admin ||
            (anchor?.registrar === account.address && model.isRegistrar(account.address));
          const expectedError =
            anchor === undefined
              ? "DocumentRegistryUnknownRoot"
              : !member
                ? "DocumentRegistryInvalidProof"
                : !mayRevoke
                  ? "DocumentRegistryUnauthorizedRevoker"
                  : model.revocations.has(`${root}/${digest}`)
                    ? "DocumentRegistryAlreadyRevoked"
                    : undefined;
          return {
            describe: `account ${who} revoke(${root}, ${digest}, reason ${reason})`,
            expectedError,
            send: () => registry.connect(account).revoke(root, digest, proof, reason),
            apply: (block) =>
              model.revocations.set(`${root}/${digest}`, {
                revokedBy: account.address,
                revokedAt: BigInt(block.timestamp),
                blockNumber: BigInt(block.number),
                reason,
              }),
            touched: member ? [[root, digest]] : [],
          };
        }

        if (choice < 90) {
          // Mostly the admin; while nobody is named, half the time a naming that must succeed, so that
          // every sequence names someone (by chance alone, about one sequence in 400 would not).
          const valid = model.directory.length === 0 && random.chance(0.5);
          const caller = valid || random.chance(0.6) ? admin : account;
          const target = !valid && random.chance(0.05) ? ethers.ZeroAddress : random.pick(accounts).address;
          const name = valid ? NAMES[0] : random.pick(NAMES);
          const uri = valid ? URIS[0] : random.pick(URIS);
          const fault = checkOrganisation(name, uri);
          const expectedError =
            caller !== admin
              ? "AccessControlUnauthorizedAccount"
              : target === ethers.ZeroAddress
                ? "DocumentRegistryInvalidRegistrar"
                : fault === undefined
                  ? undefined
                  : DIRECTORY_ERRORS[fault.code];
          return {
            describe: `account ${accounts.indexOf(caller)} setOrganisation(${target}, ${JSON.stringify(name)}, ${JSON.stringify(uri)})`,
            expectedError,
            send: () => registry.connect(caller).setOrganisation(target, name, uri),
            apply: (block) => model.recordOrganisation(target, name, uri, BigInt(block.timestamp)),
            touched: [],
            named: [target],
          };
        }

        const target = random.pick(accounts.filter((a) => a !== admin));
        const grant = random.chance(0.5);
        return {
          describe: `account ${who} ${grant ? "grantRole" : "revokeRole"}(REGISTRAR, account ${accounts.indexOf(target)})`,
          expectedError: account === admin ? undefined : "AccessControlUnauthorizedAccount",
          send: () =>
            grant
              ? registry.connect(account).grantRole(REGISTRAR_ROLE, target.address)
              : registry.connect(account).revokeRole(REGISTRAR_ROLE, target.address),
          apply: () => {
            if (grant) model.registrars.add(target.address);
            else model.registrars.delete(target.address);
          },
          touched: [],
        };
      }

      async function checkPair(root: Hex32, digest: Hex32) {
        const expected = model.status(root, digest);
        const [status, anchorRecord, revocation] = await registry.verify(digest, root, model.proofOf(root, digest));
        expect(status, `verify(${digest}, ${root})`).to.equal(expected);
        if (expected !== Status.Unknown) {
          const anchor = model.anchors.get(root)!;
          expect([...anchorRecord]).to.deep.equal([
            anchor.registrar,
            anchor.anchoredAt,
            anchor.blockNumber,
            anchor.leafCount,
          ]);
        }
        const revoked = model.revocations.get(`${root}/${digest}`);
        if (revoked !== undefined) {
          expect([...revocation]).to.deep.equal([
            revoked.revokedBy,
            revoked.revokedAt,
            revoked.blockNumber,
            revoked.reason,
          ]);
        }
      }

      async function checkOrganisationOf(registrar: string) {
        const expected = model.organisations.get(registrar) ?? { name: "", uri: "", updatedAt: 0n };
        expect([...(await registry.organisationOf(registrar))], `organisationOf(${registrar})`).to.deep.equal([
          expected.name,
          expected.uri,
          expected.updatedAt,
        ]);
      }

      async function checkEverything() {
        for (const [root, anchor] of model.anchors) {
          // Anchor records never change once written.
          const onChain = await registry.anchorOf(root);
          expect([...onChain], `anchorOf(${root})`).to.deep.equal([
            anchor.registrar,
            anchor.anchoredAt,
            anchor.blockNumber,
            anchor.leafCount,
          ]);
          for (const digest of anchor.members) await checkPair(root, digest);
        }
        // Revocations are final and unchanged.
        for (const [key, revoked] of model.revocations) {
          const [root, digest] = key.split("/") as [Hex32, Hex32];
          expect([...(await registry.revocationOf(root, digest))]).to.deep.equal([
            revoked.revokedBy,
            revoked.revokedAt,
            revoked.blockNumber,
            revoked.reason,
          ]);
        }
        for (const account of accounts) {
          expect(await registry.hasRole(REGISTRAR_ROLE, account.address), `role of ${account.address}`).to.equal(
            model.isRegistrar(account.address),
          );
          // Names outlive the role: revokeRole never touches the directory.
          await checkOrganisationOf(account.address);
        }
        expect(await registry.organisationCount()).to.equal(BigInt(model.directory.length));
        for (const [index, registrar] of model.directory.entries()) {
          expect(await registry.organisationAt(index)).to.equal(registrar);
        }
      }

      try {
        for (let i = 0; i < STEPS; i++) {
          const step = nextStep();
          log.push(`${i}: ${step.describe} → ${step.expectedError ?? "ok"}`);
          if (step.expectedError !== undefined) {
            await expect(step.send(), log.at(-1)).to.be.revertedWithCustomError(registry, step.expectedError);
          } else {
            const receipt = await (await step.send()).wait();
            const block = (await ethers.provider.getBlock(receipt!.blockNumber))!;
            step.apply?.({ timestamp: block.timestamp, number: block.number });
          }
          for (const [root, digest] of step.touched) await checkPair(root, digest);
          for (const registrar of step.named ?? []) await checkOrganisationOf(registrar);
          if ((i + 1) % FULL_CHECK_EVERY === 0) await checkEverything();
        }

        // No root anchored twice: one anchoring event per root in the model, all by registrars of their time.
        const singles = await registry.queryFilter(registry.filters.DocumentAnchored());
        const batches = await registry.queryFilter(registry.filters.BatchAnchored());
        const roots = [...singles.map((e) => e.args.root), ...batches.map((e) => e.args.root)];
        expect(roots.length).to.equal(model.anchors.size);
        expect(new Set(roots).size).to.equal(roots.length);
        const revokedEvents = await registry.queryFilter(registry.filters.DocumentRevoked());
        expect(revokedEvents.length).to.equal(model.revocations.size);
        // Every naming is in the events, in order, so an indexer rebuilds each entry's history from them.
        const namings = new Map<string, [string, string][]>();
        for (const event of await registry.queryFilter(registry.filters.OrganisationRecorded())) {
          const { registrar, name, uri } = event.args;
          namings.set(registrar, [...(namings.get(registrar) ?? []), [name, uri]]);
        }
        expect(namings).to.deep.equal(model.namings);
        await checkEverything();
        expect(model.anchors.size, "the sequence anchored something").to.be.greaterThan(0);
        expect(model.directory.length, "the sequence named someone").to.be.greaterThan(0);
        expect(model.revocations.size, "the sequence revoked something").to.be.greaterThan(0);
      } catch (error) {
        console.log(`DocumentRegistry invariants failed with seed ${seed} (REGISTRY_SEED=${seed} replays it):`);
        console.log(log.slice(-15).join("\n"));
        throw error;
      }
    });
  }
});
