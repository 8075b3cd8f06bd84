import * as asn1js from "asn1js";

/** Decodes one ASN.1 value that must span all of `bytes`; throws on anything else. */
export function parseDer(bytes: Uint8Array): asn1js.AsnType {
  if (bytes.length === 0) throw new Error("no bytes to decode");
  const decoded = asn1js.fromBER(bytes);
  if (decoded.offset === -1) throw new Error(`undecodable ASN.1: ${decoded.result.error}`);
  if (decoded.offset !== bytes.length) throw new Error("trailing bytes after the ASN.1 value");
  return decoded.result;
}

/**
 * An ASN.1 value kept as the DER bytes it was encoded to once, and written as they are wherever
 * asn1js encodes it, inside a larger value or alone.
 */
export class EncodedValue extends asn1js.RawData {
  override toBER(sizeOnly?: boolean, writer?: asn1js.ViewWriter): ArrayBuffer {
    const bytes = super.toBER(sizeOnly);
    if (writer === undefined) return bytes;
    writer.write(bytes);
    return new ArrayBuffer(0);
  }
}
