import { z } from "zod";
import {
  getAddress,
  isAddress,
  isHexString,
  Signature,
  TypedDataEncoder,
  recoverAddress,
  type TypedDataField,
} from "ethers";
import { allPassed, check, plural, type Check, type CheckReport } from "./checks";
import type { Hex32 } from "./digest";
import { TrustAnchorError } from "./trust-errors";
import { type TrustedWitness, type TrustFile } from "./trust-file";

/**
 * Consortium witnesses: each member's service signs, with its registrar key, the block hashes it
 * has seen final on its own node, as EIP-712 typed data (docs/witnesses.md):
 *
 *   domain  { name: "Docproof", version: "1", chainId, verifyingContract: <registry> }
 *   BlockCheckpoint(uint256 chainId,uint256 blockNumber,bytes32 blockHash)
 *
 * `chainId` sits in the message as well as the domain so that a wallet or an auditor reading the
 * message alone sees which chain it speaks of; `signBlock` fills both from one value.
 */
export const WITNESS_DOMAIN_NAME = "Docproof";
export const WITNESS_DOMAIN_VERSION = "1";

export const BLOCK_CHECKPOINT_TYPES: Record<string, TypedDataField[]> = {
  BlockCheckpoint: [
    { name: "chainId", type: "uint256" },
    { name: "blockNumber", type: "uint256" },
    { name: "blockHash", type: "bytes32" },
  ],
};

export interface WitnessDomain {
  readonly name: typeof WITNESS_DOMAIN_NAME;
  readonly version: typeof WITNESS_DOMAIN_VERSION;
  readonly chainId: number;
  /** The DocumentRegistry: a cosignature speaks for one registry's chain only. */
  readonly verifyingContract: string;
}

export function witnessDomain(chainId: number, registry: string): WitnessDomain {
  if (!Number.isSafeInteger(chainId) || chainId < 1) {
    throw new TrustAnchorError("checkpoint-invalid", `The chain id ${chainId} is not a positive integer.`);
  }
  if (!isAddress(registry)) {
    throw new TrustAnchorError("checkpoint-invalid", `The registry ${registry} is not an Ethereum address.`);
  }
  return {
    name: WITNESS_DOMAIN_NAME,
    version: WITNESS_DOMAIN_VERSION,
    chainId,
    verifyingContract: getAddress(registry),
  };
}

/** A block as a witness vouches for it. */
export interface WitnessedBlock {
  readonly blockNumber: number;
  readonly blockHash: Hex32;
}

/** The block a receipt relies on, with the chain and registry it belongs to. */
export interface BlockCheckpoint extends WitnessedBlock {
  readonly chainId: number;
  readonly registry: string;
}

/** One member's signature over a block checkpoint; `signer` is the registrar address it claims. */
export interface Cosignature {
  readonly signer: string;
  readonly signature: string;
}

/**
 * The shape of a cosignature in a receipt. It only checks that the fields are hex; whether the
 * signature is well-formed and by `signer` is `verifyWitnesses`'s job, so it can say which one failed.
 */
export const CosignatureSchema = z.strictObject({
  signer: z.string().refine((value) => isAddress(value), "must be an Ethereum address"),
  signature: z.string().refine((value) => isHexString(value), "must be 0x-prefixed hexadecimal"),
});

const HEX32 = /^0x[0-9a-fA-F]{64}$/;

function checkpointMessage(domain: WitnessDomain, block: WitnessedBlock) {
  if (!Number.isSafeInteger(block.blockNumber) || block.blockNumber < 0) {
    throw new TrustAnchorError("checkpoint-invalid", `The block number ${block.blockNumber} is not a block number.`);
  }
  if (!HEX32.test(block.blockHash)) {
    throw new TrustAnchorError("checkpoint-invalid", `The block hash ${block.blockHash} is not 32 bytes of hex.`);
  }
  return { chainId: domain.chainId, blockNumber: block.blockNumber, blockHash: block.blockHash.toLowerCase() };
}

/** The EIP-712 digest a witness signs: what `ecrecover` in a contract would be given. */
export function checkpointDigest(domain: WitnessDomain, block: WitnessedBlock): Hex32 {
  return TypedDataEncoder.hash(domain, BLOCK_CHECKPOINT_TYPES, checkpointMessage(domain, block)) as Hex32;
}

/** What `signBlock` needs of a key: an ethers Wallet, or any signer that can sign typed data. */
export interface TypedDataSigner {
  getAddress(): Promise<string>;
  signTypedData(
    domain: WitnessDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/**
 * Signs `block` as seen final on the signer's own node. The caller is responsible for having
 * checked that (server/chain/block-witness.ts does): a signature here is the member's word.
 */
export async function signBlock(
  signer: TypedDataSigner,
  domain: WitnessDomain,
  block: WitnessedBlock,
): Promise<Cosignature> {
  const message = checkpointMessage(domain, block);
  const signature = await signer.signTypedData(domain, BLOCK_CHECKPOINT_TYPES, message);
  return { signer: getAddress(await signer.getAddress()), signature };
}

export type WitnessCheckName = "trust-file-scope" | "cosignature-format" | "cosignature-signers" | "witness-threshold";

/** A cosignature that did not count, and why. */
export interface IgnoredCosignature {
  readonly index: number;
  readonly signer: string;
  readonly reason: "malformed" | "wrong-signer" | "untrusted" | "duplicate";
}

export interface WitnessReport extends CheckReport<WitnessCheckName> {
  /** The distinct trusted members whose cosignatures counted, in trust-file order. */
  readonly counted: readonly TrustedWitness[];
  readonly ignored: readonly IgnoredCosignature[];
}

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** Why a cosignature's bytes cannot be a signature from `signBlock`, or undefined if they can. */
function signatureProblem(cosignature: Cosignature): string | undefined {
  if (!isAddress(cosignature.signer)) return `its signer ${JSON.stringify(cosignature.signer)} is not an address`;
  if (typeof cosignature.signature !== "string" || !/^0x[0-9a-fA-F]*$/.test(cosignature.signature)) {
    return "its signature is not 0x-prefixed hexadecimal";
  }
  const length = (cosignature.signature.length - 2) / 2;
  if (length !== 65) return `its signature is ${length} bytes, not 65`;
  const r = BigInt(cosignature.signature.slice(0, 66));
  const s = BigInt(`0x${cosignature.signature.slice(66, 130)}`);
  const v = parseInt(cosignature.signature.slice(130, 132), 16);
  if (v !== 27 && v !== 28) return `its signature ends in v = ${v}, not 27 or 28`;
  // High s values are the malleable twin of a valid signature; signers never produce them (EIP-2).
  if (r === 0n || s === 0n || s > SECP256K1_HALF_N) return "its signature has r or s out of range";
  return undefined;
}

function recoverSigner(digest: Hex32, signature: string): string | undefined {
  try {
    return getAddress(recoverAddress(digest, Signature.from(signature)));
  } catch {
    return undefined;
  }
}

function label(witness: TrustedWitness): string {
  return witness.name === undefined ? witness.address : `${witness.name} (${witness.address})`;
}

/**
 * Checks that at least `trust.threshold` distinct members of the trust file cosigned `checkpoint`.
 * Never throws on cosignatures: every problem with them is a failed check with its own words. A
 * checkpoint that is no block (a hash that is not 32 bytes) throws `checkpoint-invalid`.
 *
 * - a malformed cosignature fails `cosignature-format`;
 * - a cosignature that recovers to another key than the signer it names (a forgery, or a
 *   signature over another block, chain or registry) fails `cosignature-signers`;
 * - a cosigner outside the trust file does not count and is reported; a member who cosigned twice
 *   counts once;
 * - fewer distinct trusted cosigners than the threshold fails `witness-threshold`.
 */
export function verifyWitnesses(
  checkpoint: BlockCheckpoint,
  cosignatures: readonly Cosignature[],
  trust: TrustFile,
): WitnessReport {
  const checks: Check<WitnessCheckName>[] = [];
  const ignored: IgnoredCosignature[] = [];

  const sameRegistry = isAddress(checkpoint.registry) && getAddress(checkpoint.registry) === trust.registry;
  const inScope = checkpoint.chainId === trust.chainId && sameRegistry;
  checks.push(
    check(
      "trust-file-scope",
      inScope,
      inScope
        ? `The trust file is for chain ${trust.chainId} and registry ${trust.registry}, as the receipt is.`
        : `The trust file is for chain ${trust.chainId} and registry ${trust.registry}; ` +
            `the receipt is for chain ${checkpoint.chainId} and registry ${checkpoint.registry}.`,
    ),
  );

  const digest = checkpointDigest(witnessDomain(checkpoint.chainId, checkpoint.registry), checkpoint);

  const malformed: string[] = [];
  const wrongSigner: string[] = [];
  const verified: { index: number; signer: string }[] = [];
  cosignatures.forEach((cosignature, index) => {
    const problem = signatureProblem(cosignature);
    if (problem !== undefined) {
      malformed.push(`cosignature #${index + 1}: ${problem}`);
      ignored.push({ index, signer: String(cosignature.signer), reason: "malformed" });
      return;
    }
    const claimed = getAddress(cosignature.signer);
    const recovered = recoverSigner(digest, cosignature.signature);
    if (recovered !== claimed) {
      wrongSigner.push(
        recovered === undefined
          ? `cosignature #${index + 1} names ${claimed} but recovers to no key`
          : `cosignature #${index + 1} names ${claimed} but was made by ${recovered}: ` +
              "another key, or a signature over another block, chain or registry",
      );
      ignored.push({ index, signer: claimed, reason: "wrong-signer" });
      return;
    }
    verified.push({ index, signer: claimed });
  });

  checks.push(
    check(
      "cosignature-format",
      malformed.length === 0,
      malformed.length === 0
        ? `${plural(cosignatures.length, "cosignature")}, all well-formed.`
        : `Malformed: ${malformed.join("; ")}.`,
    ),
  );
  checks.push(
    check(
      "cosignature-signers",
      wrongSigner.length === 0,
      wrongSigner.length === 0
        ? `Every well-formed cosignature was made by the key it names, over block ${checkpoint.blockNumber} (${checkpoint.blockHash}).`
        : `Forged or misdirected: ${wrongSigner.join("; ")}.`,
    ),
  );

  const counted = new Map<string, TrustedWitness>();
  const notes: string[] = [];
  for (const { index, signer } of verified) {
    const member = trust.witnesses.find((witness) => witness.address === signer);
    if (member === undefined) {
      ignored.push({ index, signer, reason: "untrusted" });
      notes.push(`${signer} is not in the trust file and does not count`);
    } else if (counted.has(signer)) {
      ignored.push({ index, signer, reason: "duplicate" });
      notes.push(`${label(member)} cosigned more than once and counts once`);
    } else {
      counted.set(signer, member);
    }
  }
  const members = trust.witnesses.filter((witness) => counted.has(witness.address));
  const enough = members.length >= trust.threshold;
  const who = members.length === 0 ? "" : `: ${members.map(label).join(", ")}`;
  const also = notes.length === 0 ? "" : ` (${notes.join("; ")})`;
  checks.push(
    check(
      "witness-threshold",
      enough,
      enough
        ? `${members.length} of ${trust.witnesses.length} trusted witnesses cosigned, ${trust.threshold} needed${who}${also}.`
        : `Too few witnesses: ${members.length} of ${trust.witnesses.length} trusted witnesses cosigned, ` +
            `the trust file requires ${trust.threshold}${who}${also}.`,
    ),
  );

  ignored.sort((a, b) => a.index - b.index);
  return { ok: allPassed(checks), checks, counted: members, ignored };
}
