import { z } from "zod";
import { getAddress, isAddress } from "ethers";
import { TrustAnchorError } from "./trust-errors";

/** How a chain seals its blocks, for the engines whose seals an offline verifier can check. */
export const SEAL_ENGINES = ["clique", "qbft", "ibft2"] as const;
export type SealEngine = (typeof SEAL_ENGINES)[number];

const address = z
  .string()
  .refine((value) => isAddress(value), "must be an Ethereum address")
  .transform((value) => getAddress(value));
const uint = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const TrustedWitnessSchema = z.strictObject({
  address,
  /** The member's name as the consortium knows it; shown next to its checks. */
  name: z.string().trim().min(1).max(200).optional(),
});

export type TrustedWitness = z.infer<typeof TrustedWitnessSchema>;

/**
 * Trust file, version 1: what an offline verifier trusts about one chain and registry.
 *
 * - `witnesses` and `threshold`: the consortium members whose registrar keys cosign the block
 *   hashes they have seen final; a block hash counts once `threshold` distinct members cosigned it.
 * - `consensus` (optional): the chain's own sealers, for chains whose headers carry seals (Clique
 *   signers, QBFT or IBFT 2.0 validators).
 */
export const TrustFileSchema = z
  .strictObject({
    version: z.literal(1),
    chainId: uint.min(1),
    registry: address,
    threshold: z.number().int().min(1),
    witnesses: z.array(TrustedWitnessSchema).min(1).max(1000),
    consensus: z
      .strictObject({
        engine: z.enum(SEAL_ENGINES),
        validators: z.array(address).min(1).max(1000),
      })
      .optional(),
  })
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.witnesses.forEach((witness, index) => {
      if (seen.has(witness.address)) {
        context.addIssue({ code: "custom", path: ["witnesses", index, "address"], message: "is listed twice" });
      }
      seen.add(witness.address);
    });
    if (file.threshold > file.witnesses.length) {
      context.addIssue({
        code: "custom",
        path: ["threshold"],
        message: `is ${file.threshold}, more than the ${file.witnesses.length} witnesses listed`,
      });
    }
    const validators = file.consensus?.validators ?? [];
    if (new Set(validators).size !== validators.length) {
      context.addIssue({ code: "custom", path: ["consensus", "validators"], message: "lists a validator twice" });
    }
  });

export type TrustFile = z.infer<typeof TrustFileSchema>;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "trust file"}: ${issue.message}`)
    .join("; ");
}

/** Parses an untrusted trust file (text or already-parsed JSON); throws `trust-file-malformed`. */
export function parseTrustFile(input: unknown): TrustFile {
  let value = input;
  if (typeof input === "string" || input instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof input === "string" ? input : Buffer.from(input).toString("utf8"));
    } catch {
      throw new TrustAnchorError("trust-file-malformed", "The trust file is not valid JSON.");
    }
  }
  const result = TrustFileSchema.safeParse(value);
  if (!result.success) {
    throw new TrustAnchorError(
      "trust-file-malformed",
      `The trust file is not a version 1 Docproof trust file: ${describeIssues(result.error)}.`,
    );
  }
  return result.data;
}

/** A strict majority: the default threshold, so no minority of members can vouch alone. */
export function majorityOf(memberCount: number): number {
  return Math.floor(memberCount / 2) + 1;
}

export interface TrustFileInput {
  chainId: number;
  registry: string;
  /** The registrars, as the registry's role history lists them (see server/chain/registrar-directory.ts). */
  registrars: readonly { address: string; name?: string }[];
  /** Distinct cosigners needed; a strict majority of `registrars` when omitted. */
  threshold?: number;
  consensus?: { engine: SealEngine; validators: readonly string[] };
}

/**
 * Builds the trust file `docproof trust export` writes, from the registrar directory. Throws
 * `trust-file-invalid` when the members cannot make one (a duplicate, a threshold above the count).
 */
export function buildTrustFile(input: TrustFileInput): TrustFile {
  const candidate = {
    version: 1,
    chainId: input.chainId,
    registry: input.registry,
    threshold: input.threshold ?? majorityOf(input.registrars.length),
    witnesses: input.registrars.map(({ address: member, name }) =>
      name === undefined ? { address: member } : { address: member, name },
    ),
    ...(input.consensus === undefined
      ? {}
      : { consensus: { engine: input.consensus.engine, validators: [...input.consensus.validators] } }),
  };
  const result = TrustFileSchema.safeParse(candidate);
  if (!result.success) {
    throw new TrustAnchorError("trust-file-invalid", `No trust file can be built: ${describeIssues(result.error)}.`);
  }
  return result.data;
}

/** The trust file as written to disk: indented JSON with a final newline. */
export function serializeTrustFile(file: TrustFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The witness in `file` with this address (any case), if it is one. */
export function trustedWitness(file: TrustFile, candidate: string): TrustedWitness | undefined {
  if (!isAddress(candidate)) return undefined;
  const wanted = getAddress(candidate);
  return file.witnesses.find((witness) => witness.address === wanted);
}
