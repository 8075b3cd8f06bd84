import { createHash, type webcrypto } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { EMPTY_CONTENT_REFUSAL, isEmptyContentDigest } from "../api/empty-content";
import type { Sha256Hex } from "../proof/digest";
import { anchoringExtension, type AnchoringHint } from "./anchoring-extension";
import { EncodedValue, parseDer } from "./der";
import { signingCertificateV2 } from "./ess";
import { DOCPROOF_TSA_POLICY, dottedOid, isDottedOid, OID } from "./oids";
import { rejectionStatus, type FailureInfo } from "./pki-status";
import type { SerialSource } from "./serial-source";

/** The TSA's key and certificates, as server/tsa/tsa-credentials.ts loads them. */
export interface TsaCredentials {
  /** ECDSA P-256 signing key; loaded non-extractable, so printing it shows no key material. */
  privateKey: webcrypto.CryptoKey;
  /** DER certificates: the TSA's own first, then its issuers (the root may be included). */
  certificates: readonly Uint8Array[];
}

/** TSTInfo accuracy (RFC 3161 §2.4.2): how far genTime may be from UTC. */
export interface Accuracy {
  seconds?: number;
  millis?: number;
  micros?: number;
}

export interface TimeStampAuthorityOptions {
  credentials: TsaCredentials;
  serials: SerialSource;
  /** Where the imprints this TSA stamps will be anchored; stated in every token. */
  anchoring: AnchoringHint;
  /** The TSA policy stated in every token; a request may ask for this one only. */
  policy?: string;
  accuracy?: Accuracy;
  /**
   * The time to state as genTime. It may throw when the TSA's time cannot be trusted (a clock
   * that disagrees with another source): the request is then refused with `systemFailure`, its
   * message in the reason.
   */
  clock?: () => Date;
}

/** A TimeStampResp to send back, and what was decided. */
export interface TimeStampIssue {
  /** DER TimeStampResp, for `application/timestamp-reply`; a rejection is a response too. */
  response: Uint8Array;
  /** Present when a token was issued: the imprint to anchor, and the token's serial and time. */
  granted?: { sha256: Sha256Hex; serial: bigint; genTime: Date };
  /** Present when the request was refused, or the TSA failed (`systemFailure`, with `cause`). */
  rejected?: { failure: FailureInfo; reason: string; cause?: unknown };
}

const DIRECTORY_NAME = 4;
const SHA256_BYTES = 32;

class Rejection extends Error {
  constructor(
    readonly failure: FailureInfo,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * An RFC 3161 Time-Stamp Authority: turns DER TimeStampReq bytes into DER TimeStampResp bytes.
 * Tokens are ECDSA P-256 / SHA-256 SignedData over a TSTInfo, with an ESS signingCertificateV2
 * attribute (RFC 5816), the request's nonce, the policy, accuracy, TSA name and Docproof's
 * anchoring extension. Only SHA-256 imprints are accepted: they are what the registry anchors.
 * No I/O: the serial numbers and the clock are injected.
 */
export class TimeStampAuthority {
  private readonly policy: string;
  private readonly clock: () => Date;
  private readonly accuracy: pkijs.Accuracy | undefined;

  private constructor(
    private readonly options: TimeStampAuthorityOptions,
    private readonly signer: pkijs.Certificate,
    private readonly embedded: pkijs.Certificate[],
    private readonly essAttribute: pkijs.Attribute,
    private readonly extension: pkijs.Extension,
    /** The TSA's name in its tokens: the signer's subject. */
    private readonly name: pkijs.GeneralName,
    private readonly signerId: pkijs.IssuerAndSerialNumber,
  ) {
    this.policy = options.policy ?? DOCPROOF_TSA_POLICY;
    this.clock = options.clock ?? (() => new Date());
    this.accuracy = accuracyOf(options.accuracy ?? { seconds: 1 });
  }

  static create(options: TimeStampAuthorityOptions): TimeStampAuthority {
    const policy = options.policy ?? DOCPROOF_TSA_POLICY;
    if (!isDottedOid(policy)) throw new RangeError(`the TSA policy must be a dotted OID, got "${policy}"`);
    const [signerDer, ...issuersDer] = options.credentials.certificates;
    if (signerDer === undefined) throw new RangeError("the TSA credentials hold no certificate");
    const signer = pkijs.Certificate.fromBER(signerDer);
    // Intermediates help a verifier that holds only the root; the root itself it must already trust.
    const intermediates = issuersDer
      .map((der) => pkijs.Certificate.fromBER(der))
      .filter((certificate) => !certificate.subject.isEqual(certificate.issuer));
    return new TimeStampAuthority(
      options,
      signer,
      [signer, ...intermediates].map(encodedOnce),
      encodedOnce(signingCertificateV2(signer)),
      encodedOnce(anchoringExtension(options.anchoring)),
      encodedOnce(new pkijs.GeneralName({ type: DIRECTORY_NAME, value: signer.subject })),
      encodedOnce(new pkijs.IssuerAndSerialNumber({ issuer: signer.issuer, serialNumber: signer.serialNumber })),
    );
  }

  /** The policy OID this TSA states in its tokens. */
  get policyId(): string {
    return this.policy;
  }

  /**
   * Answers one request. Never throws: a bad request gets an RFC 3161 rejection with its
   * PKIFailureInfo, and a failure of the TSA itself a `systemFailure` rejection.
   */
  async issueTimeStamp(requestDer: Uint8Array): Promise<TimeStampIssue> {
    let request: pkijs.TimeStampReq;
    try {
      request = this.acceptable(requestDer);
    } catch (error) {
      if (error instanceof Rejection) return this.reject(error.failure, error.reason);
      return this.reject("systemFailure", "the request could not be examined", error);
    }
    try {
      return await this.grant(request);
    } catch (error) {
      return this.reject("systemFailure", "the time-stamp could not be issued", error);
    }
  }

  private acceptable(requestDer: Uint8Array): pkijs.TimeStampReq {
    let request: pkijs.TimeStampReq;
    try {
      request = new pkijs.TimeStampReq({ schema: parseDer(requestDer) });
    } catch {
      throw new Rejection("badDataFormat", "the request is not a DER TimeStampReq");
    }
    if (request.version !== 1) throw new Rejection("badRequest", `request version ${request.version} is not 1`);
    const { hashAlgorithm, hashedMessage } = request.messageImprint;
    if (hashAlgorithm.algorithmId !== OID.sha256) {
      throw new Rejection("badAlg", "only SHA-256 message imprints are accepted");
    }
    const params = hashAlgorithm.algorithmParams as asn1js.AsnType | undefined;
    if (params !== undefined && !(params instanceof asn1js.Null)) {
      throw new Rejection("badAlg", "the SHA-256 algorithm identifier has parameters");
    }
    if (hashedMessage.valueBlock.valueHexView.length !== SHA256_BYTES) {
      throw new Rejection("badDataFormat", "the message imprint is not 32 bytes");
    }
    // The one rule for empty documents (api/empty-content.ts) holds here too: the imprint is anchored.
    if (isEmptyContentDigest(Buffer.from(hashedMessage.valueBlock.valueHexView).toString("hex"))) {
      throw new Rejection("badRequest", EMPTY_CONTENT_REFUSAL);
    }
    if (request.reqPolicy !== undefined && dottedOid(request.reqPolicy) !== this.policy) {
      throw new Rejection("unacceptedPolicy", `this TSA serves policy ${this.policy} only`);
    }
    if (request.extensions !== undefined && request.extensions.length > 0) {
      throw new Rejection("unacceptedExtension", "this TSA accepts no request extensions");
    }
    return request;
  }

  private async grant(request: pkijs.TimeStampReq): Promise<TimeStampIssue> {
    let genTime: Date;
    try {
      genTime = this.clock();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return this.reject("systemFailure", `the TSA's time cannot be trusted now: ${why}`, error);
    }
    const { notBefore, notAfter } = this.signer;
    if (!(genTime >= notBefore.value && genTime <= notAfter.value)) {
      return this.reject("systemFailure", "the TSA certificate is not valid at this time");
    }
    const serial = this.options.serials.next();
    if (serial < 1n) throw new RangeError(`serial numbers must be positive, got ${serial}`);

    const tstInfo = new pkijs.TSTInfo({
      version: 1,
      policy: this.policy,
      messageImprint: request.messageImprint,
      serialNumber: asn1js.Integer.fromBigInt(serial),
      genTime,
      // pkijs fills a key that is present but undefined with a default value: leave such keys out.
      ...(this.accuracy === undefined ? {} : { accuracy: this.accuracy }),
      ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
      tsa: this.name,
      extensions: [this.extension],
    });
    const tstInfoDer = new Uint8Array(tstInfo.toSchema().toBER());

    const signedAttributes = sortedForDer([
      new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })] }),
      new pkijs.Attribute({
        type: OID.messageDigest,
        values: [new asn1js.OctetString({ valueHex: createHash("sha256").update(tstInfoDer).digest() })],
      }),
      this.essAttribute,
    ]);
    const signedData = new pkijs.SignedData({
      version: 3,
      encapContentInfo: new pkijs.EncapsulatedContentInfo({
        eContentType: OID.tstInfo,
        eContent: new asn1js.OctetString({ valueHex: tstInfoDer }),
      }),
      signerInfos: [
        new pkijs.SignerInfo({
          version: 1,
          sid: this.signerId,
          signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: signedAttributes }),
        }),
      ],
      // RFC 3161 §2.4.1: the certificate only when asked for, and then it must be there.
      ...(request.certReq === true ? { certificates: this.embedded } : {}),
    });
    await signedData.sign(this.options.credentials.privateKey, 0, "SHA-256");

    const response = new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
      timeStampToken: new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }),
    });
    const sha256 = Buffer.from(request.messageImprint.hashedMessage.valueBlock.valueHexView).toString("hex");
    return {
      response: new Uint8Array(response.toSchema().toBER()),
      granted: { sha256: sha256 as Sha256Hex, serial, genTime },
    };
  }

  private reject(failure: FailureInfo, reason: string, cause?: unknown): TimeStampIssue {
    return {
      response: rejectionResponse(failure, reason),
      rejected: { failure, reason, ...(cause === undefined ? {} : { cause }) },
    };
  }
}

/**
 * A DER TimeStampResp refusing a request: for a failure after the TSA granted it, such as a token
 * that could not be recorded, which is then never sent.
 */
export function rejectionResponse(failure: FailureInfo, reason: string): Uint8Array {
  const response = new pkijs.TimeStampResp({ status: rejectionStatus(failure, reason) });
  return new Uint8Array(response.toSchema().toBER());
}

/**
 * The same object, written into every token as the bytes it encodes to now. pkijs would otherwise
 * build and encode it again for each token (a certificate's to-be-signed part parsed again, too),
 * which was more than half of the time an issue took.
 */
function encodedOnce<T extends { toSchema(): unknown }>(object: T): T {
  const der = new Uint8Array((object.toSchema() as asn1js.BaseBlock).toBER());
  return Object.assign(Object.create(object) as T, { toSchema: () => new EncodedValue({ data: der }) });
}

function accuracyOf(accuracy: Accuracy): pkijs.Accuracy | undefined {
  const { seconds = 0, millis = 0, micros = 0 } = accuracy;
  const inRange = (value: number, max: number) => Number.isInteger(value) && value >= 0 && value <= max;
  if (!inRange(seconds, Number.MAX_SAFE_INTEGER) || !inRange(millis, 999) || !inRange(micros, 999)) {
    throw new RangeError("accuracy is whole seconds, millis 0-999 and micros 0-999");
  }
  if (seconds + millis + micros === 0) return undefined;
  // Zero fields are left out: pkijs would otherwise encode them.
  return new pkijs.Accuracy({
    ...(seconds > 0 ? { seconds } : {}),
    ...(millis > 0 ? { millis } : {}),
    ...(micros > 0 ? { micros } : {}),
  });
}

/**
 * Signed attributes in DER order (X.690 §11.6: a SET OF sorted by encoding). OpenSSL re-encodes
 * the attributes before it checks the signature, so any other order fails verification there.
 */
function sortedForDer(attributes: pkijs.Attribute[]): pkijs.Attribute[] {
  const encoded = attributes.map((attribute) => ({
    attribute,
    der: Buffer.from(attribute.toSchema().toBER()),
  }));
  encoded.sort((a, b) => compareDer(a.der, b.der));
  return encoded.map(({ attribute }) => attribute);
}

function compareDer(a: Buffer, b: Buffer): number {
  // Shorter encodings count as padded with zero octets.
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
