import { RLP, type NestedUint8Array } from "@ethereumjs/rlp";
import { ecrecover, publicToAddress } from "@ethereumjs/util";
import { getAddress, getBytes, hexlify, isAddress } from "ethers";
import { decodeHeader, hashHeaderFields, withExtraData, type DecodedHeader, type HeaderRlp } from "./block-header";
import { allPassed, check, plural, type Check, type CheckReport } from "./checks";
import type { Hex32 } from "./digest";
import { TrustAnchorError, isTrustAnchorError } from "./trust-errors";
import type { SealEngine } from "./trust-file";

/**
 * The chain's own seals, for the proof-of-authority engines whose headers carry them: a header
 * whose seals check out against a validator set the verifier trusts is a block those validators
 * made, without asking any node.
 *
 * Everything here works on the header's RLP as the chain encoded it, field by field, and only
 * replaces `extraData` where an engine says so; no field is re-encoded, so it holds for every fork
 * (15 to 21+ header fields) without a fork schedule.
 *
 * NOTE: none of these chains can run on this machine. The tests check these functions against
 * headers sealed by real clients where such data is published (Rinkeby's block 30000, sealed by
 * geth's Clique; a QBFT header sealed by Besu validators) and against headers built and sealed the
 * way those clients do, with known keys.
 */

export type SealCheckName =
  | "header-format"
  | "block-hash"
  | "signer-set"
  | "validator-set"
  | "seal-format"
  | "sealer-authorised"
  | "seals-by-validators"
  | "seals-distinct"
  | "seal-quorum";

export interface SealReport extends CheckReport<SealCheckName> {
  readonly engine: SealEngine;
  /** Undefined only when the header could not be decoded. */
  readonly blockNumber?: number;
  /** The hash the chain identifies the block by (for QBFT and IBFT 2.0, not keccak of the header's RLP). */
  readonly blockHash?: Hex32;
  /** The distinct trusted signers or validators whose seals counted. */
  readonly sealers: readonly string[];
}

export interface SealOptions {
  /** The block hash the receipt claims; when given, the header must hash to it (`block-hash`). */
  readonly expectedBlockHash?: string;
}

type SealReading = { readonly signer: string } | { readonly problem: string };

/**
 * Recovers the signer of a 65-byte secp256k1 seal `r ‖ s ‖ recoveryId` over `digest`. Both Clique
 * (EIP-225) and Besu's BFT seals (SECPSignature.encodedBytes) store the recovery id as 0 or 1.
 */
function readSeal(seal: Uint8Array, digest: Hex32): SealReading {
  if (seal.length !== 65) return { problem: `is ${seal.length} bytes, not 65` };
  if (seal.every((byte) => byte === 0)) return { problem: "is all zeros: the block was never sealed" };
  const recoveryId = seal[64];
  if (recoveryId > 1) return { problem: `ends in recovery id ${recoveryId}, not 0 or 1` };
  try {
    const publicKey = ecrecover(
      getBytes(digest),
      27n + BigInt(recoveryId),
      seal.subarray(0, 32),
      seal.subarray(32, 64),
    );
    return { signer: getAddress(hexlify(publicToAddress(publicKey))) };
  } catch {
    return { problem: "is not a valid secp256k1 signature (r or s out of range, or no point for r)" };
  }
}

/** Checksummed and without repeats, so a set listed twice over cannot lower the quorum's share. */
function normalizeSet(addresses: readonly string[], what: string): string[] {
  if (addresses.length === 0) throw new TrustAnchorError("trust-file-invalid", `The trusted ${what} set is empty.`);
  const normalized = addresses.map((candidate) => {
    if (!isAddress(candidate)) {
      throw new TrustAnchorError("trust-file-invalid", `The trusted ${what} ${candidate} is not an address.`);
    }
    return getAddress(candidate);
  });
  return [...new Set(normalized)];
}

function blockHashCheck(actual: Hex32, options: SealOptions | undefined): Check<SealCheckName>[] {
  if (options?.expectedBlockHash === undefined) return [];
  const expected = options.expectedBlockHash.toLowerCase();
  return [
    check(
      "block-hash",
      actual === expected,
      actual === expected
        ? `The header hashes to ${actual}, the block hash expected.`
        : `The header hashes to ${actual}, not the expected ${expected}: a field of the header differs from the block's.`,
    ),
  ];
}

function malformedReport(engine: SealEngine, error: unknown): SealReport {
  if (!isTrustAnchorError(error, "header-malformed")) throw error;
  return { engine, ok: false, checks: [check("header-format", false, error.message)], sealers: [] };
}

// ---------------------------------------------------------------------------------------------
// Clique (EIP-225)
// ---------------------------------------------------------------------------------------------

/** EIP-225: `extraData` opens with 32 bytes of signer vanity … */
export const CLIQUE_VANITY_BYTES = 32;
/** … and closes with the 65-byte seal; on checkpoint blocks, the signers (20 bytes each) sit between. */
export const CLIQUE_SEAL_BYTES = 65;

interface CliqueExtraData {
  readonly signers: readonly string[];
  readonly seal: Uint8Array;
}

function splitCliqueExtraData(extraData: Uint8Array): CliqueExtraData {
  const listBytes = extraData.length - CLIQUE_VANITY_BYTES - CLIQUE_SEAL_BYTES;
  if (listBytes < 0) {
    throw new TrustAnchorError(
      "header-malformed",
      `The header's extraData is ${extraData.length} bytes; Clique needs at least ${CLIQUE_VANITY_BYTES + CLIQUE_SEAL_BYTES} (vanity and seal).`,
    );
  }
  if (listBytes % 20 !== 0) {
    throw new TrustAnchorError(
      "header-malformed",
      `The header's extraData holds ${listBytes} bytes between vanity and seal, not a whole number of 20-byte signers.`,
    );
  }
  const signers: string[] = [];
  for (let offset = CLIQUE_VANITY_BYTES; offset < CLIQUE_VANITY_BYTES + listBytes; offset += 20) {
    signers.push(getAddress(hexlify(extraData.subarray(offset, offset + 20))));
  }
  return { signers, seal: extraData.subarray(extraData.length - CLIQUE_SEAL_BYTES) };
}

/**
 * The hash a Clique sealer signs (EIP-225 `sigHash`): keccak256 of the header's RLP with
 * `extraData` cut short of its last 65 bytes, every other field as it is.
 */
function cliqueSealHashOf(header: DecodedHeader): Hex32 {
  const unsealed = header.extraData.subarray(0, header.extraData.length - CLIQUE_SEAL_BYTES);
  return hashHeaderFields(withExtraData(header, unsealed));
}

export function cliqueSealHash(header: HeaderRlp): Hex32 {
  const decoded = decodeHeader(header);
  splitCliqueExtraData(decoded.extraData);
  return cliqueSealHashOf(decoded);
}

/** The address that sealed a Clique header; throws `header-malformed` if it holds no valid seal. */
export function cliqueSealer(header: HeaderRlp): string {
  const decoded = decodeHeader(header);
  const reading = readSeal(splitCliqueExtraData(decoded.extraData).seal, cliqueSealHashOf(decoded));
  if ("problem" in reading) throw new TrustAnchorError("header-malformed", `The header's seal ${reading.problem}.`);
  return reading.signer;
}

/**
 * The authorised signers a Clique checkpoint block lists (every epoch block, and the genesis block,
 * carry them between vanity and seal). Throws `header-malformed` if the header lists none.
 */
export function cliqueCheckpointSigners(checkpoint: HeaderRlp): string[] {
  const { signers } = splitCliqueExtraData(decodeHeader(checkpoint).extraData);
  if (signers.length === 0) {
    throw new TrustAnchorError("header-malformed", "The header lists no signers: it is not a Clique checkpoint block.");
  }
  return [...signers];
}

/** Where the authorised Clique signers come from: the verifier's list, or a checkpoint it trusts. */
export type CliqueSignerSource = { readonly signers: readonly string[] } | { readonly checkpoint: HeaderRlp };

function cliqueSignerSet(
  source: CliqueSignerSource,
  blockNumber: bigint,
): { readonly signers: readonly string[]; readonly check: Check<SealCheckName> } {
  if ("signers" in source) {
    const signers = normalizeSet(source.signers, "signer");
    return {
      signers,
      check: check("signer-set", true, `${plural(signers.length, "authorised signer")}, as given by the verifier.`),
    };
  }
  let checkpoint: DecodedHeader;
  let signers: string[];
  try {
    checkpoint = decodeHeader(source.checkpoint);
    signers = cliqueCheckpointSigners(source.checkpoint);
  } catch (error) {
    if (!isTrustAnchorError(error, "header-malformed")) throw error;
    return { signers: [], check: check("signer-set", false, `The checkpoint block is unusable: ${error.message}`) };
  }
  if (checkpoint.number > blockNumber) {
    return {
      signers: [],
      check: check(
        "signer-set",
        false,
        `The checkpoint is block ${checkpoint.number}, after block ${blockNumber}: its signers say nothing about this block.`,
      ),
    };
  }
  return {
    signers,
    check: check(
      "signer-set",
      true,
      `${plural(signers.length, "authorised signer")} from checkpoint block ${checkpoint.number} ` +
        `(${hashHeaderFields(checkpoint.fields)}).`,
    ),
  };
}

/**
 * Checks a Clique header's seal: the sealer recovered from the last 65 bytes of `extraData` over
 * the EIP-225 seal hash must be an authorised signer.
 *
 * NOTE: signers change by vote between checkpoints. With a checkpoint as the source, a signer voted
 * in after it fails `sealer-authorised` and one voted out still passes; use the checkpoint of the
 * block's own epoch. The checkpoint is trusted as given: it is the verifier's anchor, not checked here.
 */
export function verifyCliqueSeal(header: HeaderRlp, source: CliqueSignerSource, options?: SealOptions): SealReport {
  let decoded: DecodedHeader;
  let extra: CliqueExtraData;
  try {
    decoded = decodeHeader(header);
    extra = splitCliqueExtraData(decoded.extraData);
  } catch (error) {
    return malformedReport("clique", error);
  }
  const blockHash = hashHeaderFields(decoded.fields);
  const checks: Check<SealCheckName>[] = [
    check(
      "header-format",
      true,
      `Block ${decoded.number}: ${decoded.fields.length} header fields, ${decoded.extraData.length} bytes of Clique extraData` +
        (extra.signers.length > 0 ? ` listing ${plural(extra.signers.length, "signer")} (a checkpoint block).` : "."),
    ),
    ...blockHashCheck(blockHash, options),
  ];
  const signerSet = cliqueSignerSet(source, decoded.number);
  checks.push(signerSet.check);

  const reading = readSeal(extra.seal, cliqueSealHashOf(decoded));
  checks.push(
    "problem" in reading
      ? check("seal-format", false, `The seal ${reading.problem}.`)
      : check("seal-format", true, `The seal is a valid secp256k1 signature by ${reading.signer}.`),
  );
  const sealers: string[] = [];
  if ("signer" in reading && signerSet.check.ok) {
    const authorised = signerSet.signers.includes(reading.signer);
    if (authorised) sealers.push(reading.signer);
    checks.push(
      check(
        "sealer-authorised",
        authorised,
        authorised
          ? `Sealed by ${reading.signer}, an authorised signer.`
          : `Sealed by ${reading.signer}, which is not an authorised signer: the seal was made by another key, ` +
              "or over a header that differs from this one.",
      ),
    );
  }
  return {
    engine: "clique",
    ok: allPassed(checks) && sealers.length === 1,
    checks,
    blockNumber: Number(decoded.number),
    blockHash,
    sealers,
  };
}

// ---------------------------------------------------------------------------------------------
// QBFT and IBFT 2.0 (Hyperledger Besu)
// ---------------------------------------------------------------------------------------------
//
// Facts from Besu (consensus/common/.../bft/BftBlockHashing.java, BftExtraDataCodec.java,
// consensus/qbft/.../QbftExtraDataCodec.java, consensus/ibft/.../IbftExtraDataCodec.java, and the
// Besu documentation "Configure QBFT/IBFT 2.0 consensus", section "Extra data"):
//
// - extraData = RLP([vanity (32 bytes), validators (20-byte addresses), vote, round, committedSeals]).
//   IBFT 2.0: no vote is the RLP null string (0x80), a vote is [recipient, 0xFF add | 0x00 drop];
//   the round is exactly 4 bytes (0x8400000000 for round 0).
//   QBFT: no vote is the empty list (0xc0), a vote is [recipient, 0xFF add | empty drop]; the round
//   is a scalar (0x80 for round 0).
// - The block hash ("on-chain" hash) is keccak256 of the header's RLP with extraData re-encoded
//   without the committed seals and without the round, so every round's proposal of a block has one
//   hash: IBFT 2.0 drops both items, RLP([vanity, validators, vote]); QBFT keeps the items but writes
//   round 0 and no seals, RLP([vanity, validators, vote, 0, []]). Block 0 keeps its extraData as is.
// - Each committed seal signs keccak256 of the header's RLP with extraData re-encoded without the
//   committed seals but with the round (IBFT 2.0: RLP([vanity, validators, vote, round]); QBFT:
//   RLP([vanity, validators, vote, round, []])). In QBFT this equals the block hash only in round 0.
//   No message code is mixed in (that was Quorum's IBFT 1.0, which this does not cover).
// - A block needs committed seals from at least ceil(2n/3) distinct validators of the set in force,
//   every seal by a validator, no validator twice (BftHelpers.calculateRequiredValidatorQuorum,
//   BftCommitSealsValidationRule). The set in force for block N is the one after block N-1, which
//   the header of block N lists when validators are chosen by header votes (BftValidatorsValidationRule);
//   with a validator contract the list is empty.

export type BftEngine = Exclude<SealEngine, "clique">;

export interface BftExtraData {
  readonly vanity: Uint8Array;
  readonly validators: readonly string[];
  /** The vote item exactly as decoded (see above); re-encoded unchanged into both hashes. */
  readonly vote: Uint8Array | NestedUint8Array;
  readonly round: number;
  /** The round item exactly as encoded. */
  readonly roundBytes: Uint8Array;
  /** The committed seals, raw; `seal-format` says which are not 65-byte signatures. */
  readonly seals: readonly Uint8Array[];
}

const BFT_VANITY_BYTES = 32;
const VOTE_ADD = 0xff;
const IBFT2_VOTE_DROP = 0x00;

function bftMalformed(engine: BftEngine, message: string): TrustAnchorError {
  return new TrustAnchorError(
    "header-malformed",
    `The header's extraData is not ${ENGINE_NAME[engine]} extra data: ${message}.`,
  );
}

const ENGINE_NAME: Record<SealEngine, string> = { clique: "Clique", qbft: "QBFT", ibft2: "IBFT 2.0" };

function checkVote(engine: BftEngine, vote: Uint8Array | NestedUint8Array): void {
  const noVote =
    engine === "qbft" ? Array.isArray(vote) && vote.length === 0 : vote instanceof Uint8Array && vote.length === 0;
  if (noVote) return;
  const [recipient, kind, ...rest] = Array.isArray(vote) ? vote : [];
  const validKind =
    kind instanceof Uint8Array &&
    (engine === "qbft"
      ? kind.length === 0 || (kind.length === 1 && kind[0] === VOTE_ADD)
      : kind.length === 1 && (kind[0] === VOTE_ADD || kind[0] === IBFT2_VOTE_DROP));
  if (
    !Array.isArray(vote) ||
    rest.length > 0 ||
    !(recipient instanceof Uint8Array) ||
    recipient.length !== 20 ||
    !validKind
  ) {
    throw bftMalformed(engine, "the vote is neither empty nor [recipient, add or drop]");
  }
}

function readRound(engine: BftEngine, round: Uint8Array | NestedUint8Array): number {
  if (!(round instanceof Uint8Array)) throw bftMalformed(engine, "the round is a list");
  if (engine === "ibft2") {
    if (round.length !== 4) throw bftMalformed(engine, `the round is ${round.length} bytes, not 4`);
  } else if (round.length > 4 || (round.length > 0 && round[0] === 0)) {
    throw bftMalformed(engine, "the round is not a canonical integer of at most 4 bytes");
  }
  return round.reduce((value, byte) => value * 256 + byte, 0);
}

/** Decodes a QBFT or IBFT 2.0 header's extraData; throws `header-malformed`. */
export function decodeBftExtraData(extraData: Uint8Array, engine: BftEngine): BftExtraData {
  let decoded: Uint8Array | NestedUint8Array;
  try {
    decoded = RLP.decode(extraData);
  } catch {
    throw bftMalformed(engine, "it is not valid RLP");
  }
  if (!Array.isArray(decoded) || decoded.length !== 5) {
    throw bftMalformed(engine, "it is not a list of [vanity, validators, vote, round, seals]");
  }
  const [vanity, validators, vote, round, seals] = decoded;
  if (!(vanity instanceof Uint8Array) || vanity.length !== BFT_VANITY_BYTES) {
    throw bftMalformed(engine, `the vanity is not ${BFT_VANITY_BYTES} bytes`);
  }
  if (!Array.isArray(validators) || !validators.every((item) => item instanceof Uint8Array && item.length === 20)) {
    throw bftMalformed(engine, "the validators are not a list of 20-byte addresses");
  }
  checkVote(engine, vote);
  const roundNumber = readRound(engine, round);
  if (!Array.isArray(seals) || !seals.every((item) => item instanceof Uint8Array)) {
    throw bftMalformed(engine, "the committed seals are not a list of byte strings");
  }
  return {
    vanity,
    validators: validators.map((item) => getAddress(hexlify(item as Uint8Array))),
    vote,
    round: roundNumber,
    roundBytes: round as Uint8Array,
    seals: seals as Uint8Array[],
  };
}

function validatorBytes(extra: BftExtraData): Uint8Array[] {
  return extra.validators.map((validator) => getBytes(validator));
}

/** extraData as the committed seals sign it: seals left out, round kept. */
function commitSealExtraData(extra: BftExtraData, engine: BftEngine): Uint8Array {
  const base = [extra.vanity, validatorBytes(extra), extra.vote, extra.roundBytes];
  return RLP.encode(engine === "qbft" ? [...base, []] : base);
}

/** extraData as the block hash covers it: seals and round left out. */
function onChainExtraData(extra: BftExtraData, engine: BftEngine): Uint8Array {
  const base = [extra.vanity, validatorBytes(extra), extra.vote];
  return RLP.encode(engine === "qbft" ? [...base, new Uint8Array(0), []] : base);
}

function bftHashes(
  header: DecodedHeader,
  extra: BftExtraData,
  engine: BftEngine,
): { blockHash: Hex32; commitHash: Hex32 } {
  if (header.number === 0n) {
    const hash = hashHeaderFields(header.fields);
    return { blockHash: hash, commitHash: hash };
  }
  return {
    blockHash: hashHeaderFields(withExtraData(header, onChainExtraData(extra, engine))),
    commitHash: hashHeaderFields(withExtraData(header, commitSealExtraData(extra, engine))),
  };
}

/** The hash a QBFT or IBFT 2.0 chain identifies this header's block by (what `eth_getBlockByNumber` calls `hash`). */
export function bftBlockHash(header: HeaderRlp, engine: BftEngine): Hex32 {
  const decoded = decodeHeader(header);
  return bftHashes(decoded, decodeBftExtraData(decoded.extraData, engine), engine).blockHash;
}

/** The hash every committed seal of this header signs. */
export function bftCommitSealHash(header: HeaderRlp, engine: BftEngine): Hex32 {
  const decoded = decodeHeader(header);
  return bftHashes(decoded, decodeBftExtraData(decoded.extraData, engine), engine).commitHash;
}

/** Seals a block of `validatorCount` validators needs: ceil(2n/3), as Besu requires. */
export function bftQuorum(validatorCount: number): number {
  return Math.ceil((2 * validatorCount) / 3);
}

export interface BftTrust {
  readonly engine: BftEngine;
  /** The validators the verifier trusts for this block (the set after its parent). */
  readonly validators: readonly string[];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

function validatorSetCheck(listed: readonly string[], trusted: readonly string[]): Check<SealCheckName> {
  if (listed.length === 0) {
    return check(
      "validator-set",
      true,
      `The header lists no validators (a validator contract chooses them): the ${plural(trusted.length, "trusted validator")} are used.`,
    );
  }
  if (sameSet(listed, trusted)) {
    return check("validator-set", true, `The header lists the ${plural(trusted.length, "trusted validator")}.`);
  }
  const extra = listed.filter((validator) => !trusted.includes(validator));
  const missing = trusted.filter((validator) => !listed.includes(validator));
  return check(
    "validator-set",
    false,
    "The header's validators are not the trusted ones" +
      (extra.length > 0 ? `; it adds ${extra.join(", ")}` : "") +
      (missing.length > 0 ? `; it lacks ${missing.join(", ")}` : "") +
      ". If the consortium changed its validators, the trust file is out of date.",
  );
}

/**
 * Checks a QBFT or IBFT 2.0 header's committed seals against the validators the verifier trusts:
 * every seal well-formed, by a trusted validator, none twice, and at least ceil(2n/3) of them.
 *
 * A seal made with a key outside the set and a seal a validator made over another header (another
 * round, another block) look alike here: both recover, over this header's commit hash, to an
 * address that is not a validator. `seals-by-validators` names that address.
 *
 * Never throws on the header; throws `trust-file-invalid` if `trust.validators` is empty or not addresses.
 */
export function verifyBftSeals(header: HeaderRlp, trust: BftTrust, options?: SealOptions): SealReport {
  const { engine } = trust;
  const trusted = normalizeSet(trust.validators, "validator");
  let decoded: DecodedHeader;
  let extra: BftExtraData;
  try {
    decoded = decodeHeader(header);
    extra = decodeBftExtraData(decoded.extraData, engine);
  } catch (error) {
    return malformedReport(engine, error);
  }
  const { blockHash, commitHash } = bftHashes(decoded, extra, engine);
  const checks: Check<SealCheckName>[] = [
    check(
      "header-format",
      true,
      `Block ${decoded.number}: ${decoded.fields.length} header fields, ${ENGINE_NAME[engine]} extraData of round ${extra.round} ` +
        `with ${plural(extra.seals.length, "committed seal")}.`,
    ),
    ...blockHashCheck(blockHash, options),
    validatorSetCheck(extra.validators, trusted),
  ];

  const malformed: string[] = [];
  const outsiders: string[] = [];
  const bySigner = new Map<string, number[]>();
  extra.seals.forEach((seal, index) => {
    const reading = readSeal(seal, commitHash);
    if ("problem" in reading) {
      malformed.push(`seal #${index + 1} ${reading.problem}`);
    } else if (!trusted.includes(reading.signer)) {
      const listed = extra.validators.includes(reading.signer) ? ", though the header lists it" : "";
      outsiders.push(`seal #${index + 1} recovers to ${reading.signer}, which is not a trusted validator${listed}`);
    } else {
      bySigner.set(reading.signer, [...(bySigner.get(reading.signer) ?? []), index + 1]);
    }
  });

  checks.push(
    check(
      "seal-format",
      malformed.length === 0,
      malformed.length === 0
        ? `${plural(extra.seals.length, "committed seal")}, each a valid 65-byte secp256k1 signature.`
        : `Malformed: ${malformed.join("; ")}.`,
    ),
  );
  const sealers = trusted.filter((validator) => bySigner.has(validator));
  checks.push(
    check(
      "seals-by-validators",
      outsiders.length === 0,
      outsiders.length === 0
        ? `Every valid seal is by a trusted validator${sealers.length > 0 ? `: ${sealers.join(", ")}` : ""}.`
        : `Not by a validator: ${outsiders.join("; ")} (another key, or a seal over another header).`,
    ),
  );
  const twice = [...bySigner].filter(([, seals]) => seals.length > 1);
  checks.push(
    check(
      "seals-distinct",
      twice.length === 0,
      twice.length === 0
        ? "No validator sealed twice."
        : `Sealed more than once: ${twice.map(([signer, seals]) => `${signer} (seals #${seals.join(", #")})`).join("; ")}.`,
    ),
  );
  const needed = bftQuorum(trusted.length);
  const enough = sealers.length >= needed;
  checks.push(
    check(
      "seal-quorum",
      enough,
      decoded.number === 0n
        ? "Block 0 carries no committed seals: a genesis block is trusted by its hash, not by seals."
        : enough
          ? `${sealers.length} of ${trusted.length} trusted validators sealed the block; ${needed} needed (ceil(2n/3)).`
          : `Too few seals: ${sealers.length} of ${trusted.length} trusted validators sealed the block; ` +
            `${ENGINE_NAME[engine]} needs ${needed} (ceil(2n/3)).`,
    ),
  );
  return {
    engine,
    ok: allPassed(checks) && decoded.number > 0n,
    checks,
    blockNumber: Number(decoded.number),
    blockHash,
    sealers,
  };
}

// ---------------------------------------------------------------------------------------------
// Either engine
// ---------------------------------------------------------------------------------------------

/** The hash the chain identifies this header's block by, for its sealing engine. */
export function sealedBlockHash(header: HeaderRlp, engine: SealEngine): Hex32 {
  if (engine === "clique") return hashHeaderFields(decodeHeader(header).fields);
  return bftBlockHash(header, engine);
}

/** What a trust file's `consensus` section holds: the engine and the signers or validators it trusts. */
export interface ConsensusTrust {
  readonly engine: SealEngine;
  readonly validators: readonly string[];
}

/** Checks a header's seals against a trust file's `consensus` section, whichever the engine. */
export function verifySeals(header: HeaderRlp, consensus: ConsensusTrust, options?: SealOptions): SealReport {
  if (consensus.engine === "clique") return verifyCliqueSeal(header, { signers: consensus.validators }, options);
  return verifyBftSeals(header, { engine: consensus.engine, validators: consensus.validators }, options);
}
