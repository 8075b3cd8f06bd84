import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import type { Sha256Hex } from "../proof/digest";
import { readAnchoringHint, type AnchoringHint } from "./anchoring-extension";
import { parseDer } from "./der";
import { TimestampError } from "./errors";
import { essCertIdMatches, readSigningCertificate } from "./ess";
import { DIGESTS, dottedOid, OID } from "./oids";
import { failureNames, STATUS_NAMES, statusText } from "./pki-status";
import type { Accuracy } from "./time-stamp-authority";
import { tsaCertificateProblem } from "./tsa-certificate";

/** The checks a token goes through, in order; each passes, fails or is skipped with a reason. */
export type TokenCheckName =
  /** The token is SignedData over a TSTInfo with one signer, and says so in its signed attributes. */
  | "content-type"
  /** The signed messageDigest attribute is the digest of the TSTInfo. */
  | "message-digest"
  /** The TSA's certificate is in the token or among the certificates given. */
  | "signer-certificate"
  /** The signature over the signed attributes verifies with that certificate's key. */
  | "signature"
  /** The ESS signingCertificate(V2) attribute names that very certificate. */
  | "signing-certificate"
  /** The certificate is for time-stamping only (critical EKU) and was valid at genTime. */
  | "tsa-certificate"
  /** The certificate chains to one of the trusted CAs, valid at genTime. */
  | "certificate-chain"
  /** The imprint is the SHA-256 of the document. */
  | "imprint";

export interface TokenCheck {
  name: TokenCheckName;
  outcome: "passed" | "failed" | "skipped";
  detail: string;
}

/** What a token states. */
export interface TimeStampTokenInfo {
  genTime: Date;
  serial: bigint;
  policy: string;
  imprint: { algorithm: string; digest: string };
  /** The imprint when it is a SHA-256 digest, as the rest of Docproof writes digests. */
  sha256?: Sha256Hex;
  nonce?: bigint;
  accuracy?: Accuracy;
  ordering: boolean;
  /** The TSA's name from the TSTInfo, as a distinguished name. */
  tsaName?: string;
  /** Docproof's anchoring extension, when present and readable. */
  anchoring?: AnchoringHint;
  /** The OIDs of all TSTInfo extensions. */
  extensions: string[];
}

export interface TokenVerification {
  /** True when no check failed and, if CAs were given, the chain check passed. */
  valid: boolean;
  /** `ca` when the chain was checked against CAs given; else only the embedded certificate vouches. */
  trust: "ca" | "embedded-certificate";
  checks: TokenCheck[];
  info: TimeStampTokenInfo;
  /** The TSA certificate's subject, when found. */
  signer?: string;
}

export interface TokenVerificationOptions {
  /** The document's SHA-256; without it the imprint check is skipped. */
  sha256?: Sha256Hex;
  /** DER CA certificates to trust; without them only the token's own certificate is checked. */
  trustAnchors?: readonly Uint8Array[];
  /** Further DER certificates (the TSA's, intermediates), as with `openssl ts -verify -untrusted`. */
  certificates?: readonly Uint8Array[];
}

/** A TimeStampResp taken apart: the PKIStatusInfo and, when granted, the token. */
export interface TimeStampReply {
  status: number;
  statusName: string;
  failure: string[];
  text: string;
  token?: Uint8Array;
}

/** Decodes a DER TimeStampResp. Throws TimestampError `token-malformed` when it is not one. */
export function decodeTimeStampReply(bytes: Uint8Array): TimeStampReply {
  let reply: pkijs.TimeStampResp;
  try {
    reply = new pkijs.TimeStampResp({ schema: parseDer(bytes) });
  } catch (error) {
    throw new TimestampError("token-malformed", "not a DER TimeStampResp", { cause: error });
  }
  const status = reply.status.status;
  const token = reply.timeStampToken;
  return {
    status,
    statusName: STATUS_NAMES[status] ?? `status ${status}`,
    failure: failureNames(reply.status),
    text: statusText(reply.status),
    token: token === undefined ? undefined : new Uint8Array(token.toSchema().toBER()),
  };
}

interface DecodedToken {
  signedData: pkijs.SignedData;
  tstInfo: pkijs.TSTInfo;
  tstInfoDer: Uint8Array;
  info: TimeStampTokenInfo;
}

/**
 * Decodes a time-stamp token, given either a TimeStampResp (an `openssl ts -reply` .tsr file, or
 * what a TSA answers) or the bare token (ContentInfo). Throws TimestampError `token-malformed`.
 */
export function readTimeStampToken(bytes: Uint8Array): TimeStampTokenInfo {
  return decodeToken(bytes).info;
}

function decodeToken(bytes: Uint8Array): DecodedToken {
  const malformed = (message: string, cause?: unknown) =>
    new TimestampError("token-malformed", message, cause === undefined ? undefined : { cause });
  let contentInfo: pkijs.ContentInfo;
  let root: asn1js.AsnType;
  try {
    root = parseDer(bytes);
  } catch (error) {
    throw malformed("not DER: neither a time-stamp reply nor a token", error);
  }
  try {
    contentInfo = new pkijs.ContentInfo({ schema: root });
  } catch {
    const reply = decodeTimeStampReply(bytes);
    if (reply.token === undefined) {
      const why = [reply.statusName, ...reply.failure, reply.text].filter(Boolean).join(", ");
      throw malformed(`the reply holds no token (${why})`);
    }
    contentInfo = new pkijs.ContentInfo({ schema: parseDer(reply.token) });
  }
  if (contentInfo.contentType !== OID.signedData) throw malformed("the token is not CMS SignedData");
  let signedData: pkijs.SignedData;
  let tstInfo: pkijs.TSTInfo;
  let tstInfoDer: Uint8Array;
  try {
    signedData = new pkijs.SignedData({ schema: contentInfo.content });
    const eContent = signedData.encapContentInfo.eContent;
    if (signedData.encapContentInfo.eContentType !== OID.tstInfo || eContent === undefined) {
      throw new Error("the SignedData does not hold a TSTInfo");
    }
    tstInfoDer = new Uint8Array(eContent.getValue());
    tstInfo = new pkijs.TSTInfo({ schema: parseDer(tstInfoDer) });
  } catch (error) {
    throw malformed("the token's SignedData or TSTInfo cannot be decoded", error);
  }
  return { signedData, tstInfo, tstInfoDer, info: infoOf(tstInfo) };
}

function infoOf(tstInfo: pkijs.TSTInfo): TimeStampTokenInfo {
  const { hashAlgorithm, hashedMessage } = tstInfo.messageImprint;
  const digest = Buffer.from(hashedMessage.valueBlock.valueHexView).toString("hex");
  const algorithm = DIGESTS[hashAlgorithm.algorithmId] ?? hashAlgorithm.algorithmId;
  const anchoring = readAnchoringHint(tstInfo.extensions);
  const accuracy = tstInfo.accuracy;
  return {
    genTime: tstInfo.genTime,
    serial: tstInfo.serialNumber.toBigInt(),
    policy: dottedOid(tstInfo.policy),
    imprint: { algorithm, digest },
    ...(algorithm === "SHA-256" && digest.length === 64 ? { sha256: digest as Sha256Hex } : {}),
    ...(tstInfo.nonce === undefined ? {} : { nonce: tstInfo.nonce.toBigInt() }),
    ...(accuracy === undefined
      ? {}
      : { accuracy: { seconds: accuracy.seconds ?? 0, millis: accuracy.millis ?? 0, micros: accuracy.micros ?? 0 } }),
    ordering: tstInfo.ordering ?? false,
    ...(tstInfo.tsa?.type === 4 ? { tsaName: nameText(tstInfo.tsa.value as pkijs.RelativeDistinguishedNames) } : {}),
    ...(anchoring === undefined || anchoring instanceof Error ? {} : { anchoring }),
    extensions: (tstInfo.extensions ?? []).map((extension) => dottedOid(extension.extnID)),
  };
}

/**
 * Verifies a time-stamp token (or a TimeStampResp holding one) the way `openssl ts -verify`
 * does, and reports each check by name. The chain is validated at the token's genTime, which is
 * what a time-stamp vouches for; revocation is not checked (tokens carry no CRLs here).
 */
export async function verifyTimeStampToken(
  bytes: Uint8Array,
  options: TokenVerificationOptions = {},
): Promise<TokenVerification> {
  const { signedData, tstInfoDer, info } = decodeToken(bytes);
  const checks: TokenCheck[] = [];
  const check = (name: TokenCheckName, outcome: TokenCheck["outcome"], detail: string) =>
    checks.push({ name, outcome, detail });

  const signerInfo = signedData.signerInfos[0];
  const attributes = signerInfo?.signedAttrs?.attributes ?? [];
  const attribute = (type: string) => attributes.find((a) => a.type === type)?.values[0] as asn1js.AsnType | undefined;

  const contentType = attribute(OID.contentType);
  if (signedData.signerInfos.length !== 1) {
    check("content-type", "failed", `the token has ${signedData.signerInfos.length} signers; RFC 3161 allows one`);
  } else if (!(contentType instanceof asn1js.ObjectIdentifier) || contentType.getValue() !== OID.tstInfo) {
    check("content-type", "failed", "the signed content-type attribute is missing or not id-ct-TSTInfo");
  } else {
    check("content-type", "passed", "SignedData over a TSTInfo, one signer");
  }

  const digestName = signerInfo ? DIGESTS[signerInfo.digestAlgorithm.algorithmId] : undefined;
  const messageDigest = attribute(OID.messageDigest);
  if (digestName === undefined) {
    check("message-digest", "failed", "the signer's digest algorithm is not supported");
  } else if (!(messageDigest instanceof asn1js.OctetString)) {
    check("message-digest", "failed", "the signed message-digest attribute is missing");
  } else {
    const actual = createHash(digestName.replace("-", "").toLowerCase()).update(tstInfoDer).digest();
    const matches = actual.equals(messageDigest.valueBlock.valueHexView);
    check(
      "message-digest",
      matches ? "passed" : "failed",
      matches ? `${digestName} of the TSTInfo` : "the TSTInfo was altered",
    );
  }

  const embedded = (signedData.certificates ?? []).filter(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
  );
  const given = decodeCertificates(options.certificates ?? []);
  const signer = signerInfo ? await findSigner(signerInfo, [...embedded, ...given]) : undefined;
  if (signer === undefined) {
    check("signer-certificate", "failed", "the TSA certificate is neither in the token nor among those given");
  } else {
    const where = embedded.includes(signer) ? "in the token" : "among those given";
    check("signer-certificate", "passed", `${nameText(signer.subject)}, ${where}`);
  }

  if (signer === undefined || signerInfo?.signedAttrs === undefined || digestName === undefined) {
    check("signature", "failed", "no certificate, signed attributes or digest to verify the signature with");
  } else {
    const engine = pkijs.getCrypto(true);
    const verified = await engine
      .verifyWithPublicKey(
        signerInfo.signedAttrs.encodedValue,
        signerInfo.signature,
        signer.subjectPublicKeyInfo,
        signerInfo.signatureAlgorithm,
        digestName,
      )
      .catch(() => false);
    check(
      "signature",
      verified ? "passed" : "failed",
      verified ? "verified with the TSA certificate's key" : "does not verify",
    );
  }

  let essCertId;
  try {
    essCertId = readSigningCertificate(attributes);
  } catch {
    essCertId = null;
  }
  if (essCertId === undefined || essCertId === null) {
    const why = essCertId === null ? "is malformed" : "is missing";
    check("signing-certificate", "failed", `the ESS signingCertificate attribute ${why}`);
  } else if (signer === undefined) {
    check("signing-certificate", "failed", "no TSA certificate to compare it with");
  } else {
    const matches = essCertIdMatches(essCertId, signer);
    const label = essCertId.version === 2 ? "signingCertificateV2" : "signingCertificate";
    check(
      "signing-certificate",
      matches ? "passed" : "failed",
      matches ? `${label} names the TSA certificate` : `${label} names another certificate`,
    );
  }

  if (signer === undefined) {
    check("tsa-certificate", "failed", "no TSA certificate");
  } else {
    const problem = tsaCertificateProblem(new x509.X509Certificate(signer.toSchema().toBER()), info.genTime);
    check(
      "tsa-certificate",
      problem === undefined ? "passed" : "failed",
      problem ?? "for time-stamping only, valid at genTime",
    );
  }

  const anchors = decodeCertificates(options.trustAnchors ?? []);
  if (anchors.length === 0) {
    check("certificate-chain", "skipped", "no CA given: only the token's own certificate vouches for it");
  } else if (signer === undefined) {
    check("certificate-chain", "failed", "no TSA certificate to build a chain from");
  } else if (anchors.some((anchor) => sameCertificate(anchor, signer))) {
    check("certificate-chain", "passed", "the TSA certificate itself is trusted");
  } else {
    const engine = new pkijs.CertificateChainValidationEngine({
      trustedCerts: anchors,
      certs: [...embedded, ...given.filter((c) => !embedded.some((e) => sameCertificate(e, c)))],
      checkDate: info.genTime,
    });
    const result = await engine.verify().catch((error: { resultMessage?: string }) => ({
      result: false,
      resultMessage: error.resultMessage ?? String(error),
    }));
    check(
      "certificate-chain",
      result.result ? "passed" : "failed",
      result.result ? "chains to a trusted CA at genTime" : `does not chain to a trusted CA: ${result.resultMessage}`,
    );
  }

  if (options.sha256 === undefined) {
    check("imprint", "skipped", "no document digest given");
  } else if (info.sha256 === undefined) {
    check("imprint", "failed", `the imprint is ${info.imprint.algorithm}, not SHA-256`);
  } else {
    const matches = info.sha256 === options.sha256;
    check("imprint", matches ? "passed" : "failed", matches ? "the document's SHA-256" : "another document's digest");
  }

  return {
    valid: checks.every((c) => c.outcome !== "failed"),
    trust: anchors.length === 0 ? "embedded-certificate" : "ca",
    checks,
    info,
    ...(signer === undefined ? {} : { signer: nameText(signer.subject) }),
  };
}

async function findSigner(
  signerInfo: pkijs.SignerInfo,
  candidates: pkijs.Certificate[],
): Promise<pkijs.Certificate | undefined> {
  const sid = signerInfo.sid;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return candidates.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber));
  }
  // subjectKeyIdentifier: [0] IMPLICIT OCTET STRING, the SHA-1 of the public key by convention.
  const keyId = Buffer.from((sid as asn1js.Primitive).valueBlock.valueHexView);
  return candidates.find((c) =>
    createHash("sha1").update(c.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest().equals(keyId),
  );
}

function sameCertificate(a: pkijs.Certificate, b: pkijs.Certificate): boolean {
  return Buffer.from(a.toSchema().toBER()).equals(Buffer.from(b.toSchema().toBER()));
}

function nameText(name: pkijs.RelativeDistinguishedNames): string {
  return new x509.Name(name.toSchema().toBER()).toString();
}

/** Decodes DER certificates; throws TimestampError `certificate-malformed` naming the first bad one. */
export function decodeCertificates(ders: readonly Uint8Array[]): pkijs.Certificate[] {
  return ders.map((der, index) => {
    try {
      return new pkijs.Certificate({ schema: parseDer(der) });
    } catch (error) {
      throw new TimestampError("certificate-malformed", `certificate ${index + 1} given cannot be decoded`, {
        cause: error,
      });
    }
  });
}

/** DER certificates from a file's bytes: PEM blocks, or a single DER certificate. */
export function certificatesFromFile(bytes: Uint8Array): Uint8Array[] {
  const text = Buffer.from(bytes).toString("latin1");
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (blocks === null) return [bytes];
  return blocks.map((block) => new Uint8Array(x509.PemConverter.decodeFirst(block)));
}
