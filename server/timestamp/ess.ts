import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { DIGESTS, OID } from "./oids";

/**
 * ESS signing-certificate attributes (RFC 2634 §5.4, RFC 5035): the signer's certificate hash
 * inside the signed attributes, so that nobody can swap in another certificate with the same key.
 * `openssl ts -verify` refuses a token without one.
 */

const DIRECTORY_NAME = 4;

/** The `signingCertificateV2` attribute for `certificate`: SHA-256 hash, issuer and serial. */
export function signingCertificateV2(certificate: pkijs.Certificate): pkijs.Attribute {
  const der = new Uint8Array(certificate.toSchema().toBER());
  const certId = new asn1js.Sequence({
    // hashAlgorithm is left out: SHA-256 is its DEFAULT, and DER omits a default value.
    value: [
      new asn1js.OctetString({ valueHex: createHash("sha256").update(der).digest() }),
      issuerSerial(certificate).toSchema(),
    ],
  });
  return new pkijs.Attribute({
    type: OID.signingCertificateV2,
    values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [certId] })] })],
  });
}

function issuerSerial(certificate: pkijs.Certificate): pkijs.IssuerSerial {
  return new pkijs.IssuerSerial({
    issuer: new pkijs.GeneralNames({
      names: [new pkijs.GeneralName({ type: DIRECTORY_NAME, value: certificate.issuer })],
    }),
    serialNumber: certificate.serialNumber,
  });
}

/** What a signing-certificate attribute says about the first (the signer's) certificate. */
export interface EssCertId {
  version: 1 | 2;
  /** WebCrypto name of the hash, or the OID when this module cannot compute it. */
  hashAlgorithm: string;
  certHash: Uint8Array;
  issuerSerial?: pkijs.IssuerSerial;
}

/**
 * The first ESSCertID of a `signingCertificate` (v1, SHA-1) or `signingCertificateV2` attribute
 * among the signed attributes; undefined when neither is present. Throws on a malformed one.
 */
export function readSigningCertificate(attributes: readonly pkijs.Attribute[]): EssCertId | undefined {
  const attribute = attributes.find((a) => a.type === OID.signingCertificateV2 || a.type === OID.signingCertificate);
  if (attribute === undefined) return undefined;
  const version = attribute.type === OID.signingCertificateV2 ? 2 : 1;
  const signingCertificate = attribute.values[0];
  const certs = sequenceItems(signingCertificate)[0];
  const fields = sequenceItems(sequenceItems(certs)[0]);
  let hashAlgorithm: string = version === 2 ? OID.sha256 : OID.sha1;
  if (version === 2 && fields[0] instanceof asn1js.Sequence) {
    hashAlgorithm = new pkijs.AlgorithmIdentifier({ schema: fields.shift() }).algorithmId;
  }
  const certHash = fields[0];
  if (!(certHash instanceof asn1js.OctetString)) throw new Error("ESSCertID has no certHash");
  return {
    version,
    hashAlgorithm: DIGESTS[hashAlgorithm] ?? hashAlgorithm,
    certHash: new Uint8Array(certHash.valueBlock.valueHexView),
    issuerSerial: fields[1] === undefined ? undefined : new pkijs.IssuerSerial({ schema: fields[1] }),
  };
}

/** Whether an ESSCertID names `certificate`: its hash matches, and so do issuer and serial if given. */
export function essCertIdMatches(certId: EssCertId, certificate: pkijs.Certificate): boolean {
  const hashName = certId.hashAlgorithm.replace("-", "").toLowerCase();
  if (!Object.values(DIGESTS).includes(certId.hashAlgorithm)) return false;
  const der = new Uint8Array(certificate.toSchema().toBER());
  const hash = createHash(hashName).update(der).digest();
  if (!hash.equals(certId.certHash)) return false;
  if (certId.issuerSerial === undefined) return true;
  const { issuer, serialNumber } = certId.issuerSerial;
  const namesIssuer = issuer.names.some(
    (name) => name.type === DIRECTORY_NAME && certificate.issuer.isEqual(name.value),
  );
  return namesIssuer && serialNumber.isEqual(certificate.serialNumber);
}

function sequenceItems(block: unknown): asn1js.AsnType[] {
  if (!(block instanceof asn1js.Sequence)) throw new Error("expected a SEQUENCE in the ESS attribute");
  return [...block.valueBlock.value];
}
