import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { DOCPROOF_ANCHORING_EXTENSION, dottedOid } from "./oids";

/**
 * Where a token's imprint will be anchored: the chain and the DocumentRegistry on it. Carried in
 * a non-critical TSTInfo extension (DOCPROOF_ANCHORING_EXTENSION) whose extnValue is a DER
 * UTF8String of compact JSON, `{"chainId":31337,"registry":"0x…"}`, so `openssl ts -reply -text`
 * shows it legibly and clients that do not know the extension may ignore it.
 */
export interface AnchoringHint {
  chainId: number;
  /** The registry's 0x-prefixed address. */
  registry: string;
}

export function anchoringExtension(hint: AnchoringHint): pkijs.Extension {
  if (!Number.isSafeInteger(hint.chainId) || hint.chainId < 1) {
    throw new RangeError(`chainId must be a positive integer, got ${hint.chainId}`);
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(hint.registry)) {
    throw new RangeError("registry must be a 0x-prefixed 20-byte address");
  }
  const json = JSON.stringify({ chainId: hint.chainId, registry: hint.registry });
  return new pkijs.Extension({
    extnID: DOCPROOF_ANCHORING_EXTENSION,
    critical: false,
    extnValue: new asn1js.Utf8String({ value: json }).toBER(),
  });
}

/** The hint in a TSTInfo's extensions; undefined when absent, an Error when present but unreadable. */
export function readAnchoringHint(
  extensions: readonly pkijs.Extension[] | undefined,
): AnchoringHint | Error | undefined {
  const extension = extensions?.find((e) => dottedOid(e.extnID) === DOCPROOF_ANCHORING_EXTENSION);
  if (extension === undefined) return undefined;
  const decoded = asn1js.fromBER(extension.extnValue.valueBlock.valueHexView);
  if (!(decoded.result instanceof asn1js.Utf8String)) {
    return new Error("the Docproof anchoring extension is not a UTF8String");
  }
  try {
    const value = JSON.parse(decoded.result.valueBlock.value) as Partial<AnchoringHint>;
    if (typeof value.chainId !== "number" || typeof value.registry !== "string") {
      return new Error("the Docproof anchoring extension lacks chainId or registry");
    }
    return { chainId: value.chainId, registry: value.registry };
  } catch (error) {
    return new Error("the Docproof anchoring extension is not JSON", { cause: error });
  }
}
