/**
 * Object identifiers of RFC 3161, RFC 5035 and RFC 5816, and Docproof's own.
 *
 * Docproof's arc is 2.25.228684176810319861620839764680843007467, the UUID
 * ac0af86b-a729-4506-a3f2-f5f3fde115eb as an OID (ITU-T X.667 §8: anyone may name things under a
 * UUID they generated, with no registration). Under it, 1.x are policies and 2.x extensions.
 */
export const DOCPROOF_ARC = "2.25.228684176810319861620839764680843007467";

/** The default TSA policy: SHA-256 imprints, ECDSA P-256 tokens, genTime from the service clock. */
export const DOCPROOF_TSA_POLICY = `${DOCPROOF_ARC}.1.1`;

/** The non-critical TSTInfo extension naming the chain and registry that will anchor the imprint. */
export const DOCPROOF_ANCHORING_EXTENSION = `${DOCPROOF_ARC}.2.1`;

export const OID = {
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  signedData: "1.2.840.113549.1.7.2",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingCertificate: "1.2.840.113549.1.9.16.2.12",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  extKeyUsage: "2.5.29.37",
  timeStamping: "1.3.6.1.5.5.7.3.8",
} as const;

/** Digest algorithms this module can compute, by OID, with their WebCrypto names. */
export const DIGESTS: Readonly<Record<string, string>> = {
  [OID.sha1]: "SHA-1",
  [OID.sha256]: "SHA-256",
  [OID.sha384]: "SHA-384",
  [OID.sha512]: "SHA-512",
};

/**
 * The dotted form of an OID as asn1js prints it. asn1js prints an arc beyond 2^56 (every arc
 * under 2.25, for one) as `{hex}` of its base-128 groups; this turns such arcs back into decimal,
 * so policies and extension ids compare as the dotted strings everyone else uses.
 */
export function dottedOid(printed: string): string {
  return printed.replace(/\{([0-9a-fA-F]+)\}/g, (_, groups: string) => {
    let value = 0n;
    for (let i = 0; i < groups.length; i += 2) value = value * 128n + BigInt(`0x${groups.slice(i, i + 2)}`);
    return value.toString();
  });
}

/** True for an OID in dotted decimal form (at least two arcs, first 0, 1 or 2). */
export function isDottedOid(text: string): boolean {
  return /^[0-2](\.(0|[1-9][0-9]*))+$/.test(text);
}
