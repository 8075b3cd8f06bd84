import { createBlockHeader, createSealedCliqueBlockHeader, type BlockHeader, type HeaderData } from "@ethereumjs/block";
import { Common, createCustomCommon, Hardfork, Mainnet, type ChainConfig } from "@ethereumjs/common";
import { RLP, type NestedUint8Array } from "@ethereumjs/rlp";
import { bytesToHex } from "@ethereumjs/util";
import { getBytes, id, SigningKey, Wallet, type BytesLike } from "ethers";
import type { Hex32 } from "../../../server/proof/digest";

/**
 * Headers built and sealed the way the clients do it, with known keys, for chains that cannot run
 * here. Clique headers are sealed by EthereumJS's own Clique sealer; QBFT and IBFT 2.0 headers follow
 * Besu's block creation: encode extraData without seals, sign the header's hash, then write the seals
 * in (BftBlockHashing, BftHelpers.createSealedBlock, the extra-data codecs). Every hash here comes
 * from EthereumJS's BlockHeader, not from the code under test.
 */

/** A key known by name, so a test reads "validator 2" rather than a hex string. */
export function keyOf(name: string): Wallet {
  return new Wallet(id(name));
}

// ---- Clique -----------------------------------------------------------------------------------

const CLIQUE_CONFIG = {
  chainId: 1337,
  consensus: { type: "poa", algorithm: "clique", clique: { period: 5, epoch: 30000 } },
} as unknown as Partial<ChainConfig>;

export function cliqueCommon(hardfork: Hardfork = Hardfork.London): Common {
  return createCustomCommon(CLIQUE_CONFIG, Mainnet, { hardfork });
}

export interface CliqueHeaderSpec {
  number?: bigint;
  timestamp?: bigint;
  stateRoot?: BytesLike;
  /** Signers listed between vanity and seal: a checkpoint block. */
  signers?: readonly string[];
  hardfork?: Hardfork;
}

function cliqueHeaderData(spec: CliqueHeaderSpec): HeaderData {
  const signers = (spec.signers ?? []).map((signer) => getBytes(signer));
  return {
    number: spec.number ?? 7n,
    timestamp: spec.timestamp ?? 1_700_000_000n,
    difficulty: 2n,
    gasLimit: 30_000_000n,
    stateRoot: spec.stateRoot === undefined ? getBytes(id("state")) : getBytes(spec.stateRoot),
    parentHash: getBytes(id("parent")),
    // EthereumJS fills in the seal; vanity and signer list are ours.
    extraData: new Uint8Array([
      ...new Uint8Array(32).fill(0xd7),
      ...signers.flatMap((signer) => [...signer]),
      ...new Uint8Array(65),
    ]),
  };
}

/** A Clique header sealed by `sealer` with EthereumJS's Clique sealer (EIP-225). */
export function sealCliqueHeader(sealer: Wallet, spec: CliqueHeaderSpec = {}): BlockHeader {
  return createSealedCliqueBlockHeader(cliqueHeaderData(spec), getBytes(sealer.privateKey), {
    common: cliqueCommon(spec.hardfork),
    // EthereumJS 10.1 freezes the header before writing the seal unless told not to.
    freeze: false,
  });
}

/** The same header with its 65-byte seal replaced by `seal`. */
export function withCliqueSeal(header: BlockHeader, seal: Uint8Array): Uint8Array {
  const extraData = new Uint8Array([...header.extraData.subarray(0, header.extraData.length - 65), ...seal]);
  return createBlockHeader({ ...header.toJSON(), extraData } as HeaderData, {
    common: header.common,
    skipConsensusFormatValidation: true,
  }).serialize();
}

export function cliqueSealOf(header: BlockHeader): Uint8Array {
  return header.extraData.subarray(header.extraData.length - 65);
}

// ---- QBFT and IBFT 2.0 --------------------------------------------------------------------------

export type BftEngine = "qbft" | "ibft2";

/** Besu's BFT mixHash, "tical byzantine fault tolerance" (BftHelpers.EXPECTED_MIX_HASH). */
export const BFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365";

export interface BftHeaderSpec {
  engine: BftEngine;
  validators: readonly Wallet[];
  /** Validators that seal, in order; the same key may appear twice. Default: all of them. */
  sealers?: readonly Wallet[];
  round?: number;
  number?: bigint;
  vote?: { recipient: string; add: boolean };
  hardfork?: Hardfork;
  /** Fields that differ from the header the sealers signed (a tampered header). */
  tamper?: Partial<HeaderData>;
  /** Sealers listed here sign another header (this one with another state root) instead. */
  sealOtherHeader?: readonly Wallet[];
  /** Changes the seals' bytes before they are written into extraData. */
  editSeals?: (seals: Uint8Array[]) => Uint8Array[];
}

export interface SealedBftHeader {
  rlp: Uint8Array;
  /** The hash Besu gives the block (extraData without seals and round). */
  blockHash: Hex32;
  /** The hash the committed seals sign (extraData without seals, with round). */
  commitHash: Hex32;
  header: BlockHeader;
}

/** Sorted as Besu keeps them (BftValidatorsValidationRule requires ascending order). */
export function sortedAddresses(wallets: readonly Wallet[]): string[] {
  return wallets.map((wallet) => wallet.address).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

function voteItem(spec: BftHeaderSpec): Uint8Array | NestedUint8Array {
  if (spec.vote === undefined) return spec.engine === "qbft" ? [] : new Uint8Array(0);
  const kind = spec.vote.add ? Uint8Array.of(0xff) : spec.engine === "qbft" ? new Uint8Array(0) : Uint8Array.of(0x00);
  return [getBytes(spec.vote.recipient), kind];
}

function roundItem(engine: BftEngine, round: number): Uint8Array {
  if (engine === "ibft2") return Uint8Array.of(round >>> 24, (round >>> 16) & 0xff, (round >>> 8) & 0xff, round & 0xff);
  const bytes: number[] = [];
  for (let value = round; value > 0; value = Math.floor(value / 256)) bytes.unshift(value % 256);
  return Uint8Array.from(bytes);
}

/** Besu's extra-data codecs: ALL, EXCLUDE_COMMIT_SEALS, EXCLUDE_COMMIT_SEALS_AND_ROUND_NUMBER. */
export function encodeBftExtraData(
  spec: BftHeaderSpec,
  seals: readonly Uint8Array[] | "without-seals" | "without-seals-and-round",
): Uint8Array {
  const vanity = new Uint8Array(32);
  const validators = sortedAddresses(spec.validators).map((address) => getBytes(address));
  const round = roundItem(spec.engine, spec.round ?? 0);
  const head = [vanity, validators, voteItem(spec)];
  if (seals === "without-seals-and-round") {
    return RLP.encode(spec.engine === "qbft" ? [...head, new Uint8Array(0), []] : head);
  }
  if (seals === "without-seals") return RLP.encode(spec.engine === "qbft" ? [...head, round, []] : [...head, round]);
  return RLP.encode([...head, round, [...seals]]);
}

export function bftCommon(hardfork: Hardfork = Hardfork.London): Common {
  return new Common({ chain: Mainnet, hardfork });
}

function bftHeader(fields: HeaderData, extraData: Uint8Array, hardfork?: Hardfork): BlockHeader {
  return createBlockHeader(
    { ...fields, extraData },
    { common: bftCommon(hardfork), skipConsensusFormatValidation: true },
  );
}

/** r ‖ s ‖ recovery id (0 or 1): Besu's SECPSignature.encodedBytes. */
export function sealBytes(key: Wallet, digest: string): Uint8Array {
  const signature = new SigningKey(key.privateKey).sign(digest);
  return new Uint8Array([...getBytes(signature.r), ...getBytes(signature.s), signature.yParity]);
}

/** A QBFT or IBFT 2.0 header sealed as Besu seals one. */
export function sealBftHeader(spec: BftHeaderSpec): SealedBftHeader {
  const fields: HeaderData = {
    parentHash: getBytes(id("parent")),
    coinbase: getBytes(spec.validators[0].address),
    stateRoot: getBytes(id("state")),
    difficulty: 1n,
    number: spec.number ?? 42n,
    gasLimit: 30_000_000n,
    timestamp: 1_700_000_000n,
    mixHash: getBytes(BFT_MIX_HASH),
    nonce: new Uint8Array(8),
    ...(spec.hardfork === Hardfork.Berlin ? {} : { baseFeePerGas: 0n }),
  };
  const commitHash = bytesToHex(
    bftHeader(fields, encodeBftExtraData(spec, "without-seals"), spec.hardfork).hash(),
  ) as Hex32;
  const otherHash = bytesToHex(
    bftHeader(
      { ...fields, stateRoot: getBytes(id("another state")) },
      encodeBftExtraData(spec, "without-seals"),
      spec.hardfork,
    ).hash(),
  );
  const signed = (spec.sealers ?? spec.validators).map((key) =>
    sealBytes(key, spec.sealOtherHeader?.includes(key) ? otherHash : commitHash),
  );
  const seals = spec.editSeals === undefined ? signed : spec.editSeals(signed);
  const sealedFields = { ...fields, ...spec.tamper };
  const header = bftHeader(sealedFields, encodeBftExtraData(spec, seals), spec.hardfork);
  const blockHash = bytesToHex(
    bftHeader(fields, encodeBftExtraData(spec, "without-seals-and-round"), spec.hardfork).hash(),
  ) as Hex32;
  return { rlp: header.serialize(), blockHash, commitHash, header };
}
