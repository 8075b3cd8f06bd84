import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

/** RFC 3161 §2.4.2 PKIFailureInfo: the reason for a rejection, by bit number. */
export const FAILURE_BITS = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;

export type FailureInfo = keyof typeof FAILURE_BITS;

export const STATUS_NAMES: Readonly<Record<number, string>> = {
  0: "granted",
  1: "grantedWithMods",
  2: "rejection",
  3: "waiting",
  4: "revocationWarning",
  5: "revocationNotification",
};

/** A rejection's PKIStatusInfo: status 2, the reason as text and as the one failure bit. */
export function rejectionStatus(failure: FailureInfo, text: string): pkijs.PKIStatusInfo {
  const bit = FAILURE_BITS[failure];
  // DER for a named bit list drops trailing zero bits, so the string ends at the set bit.
  const bytes = new Uint8Array(Math.floor(bit / 8) + 1);
  bytes[bytes.length - 1] = 0x80 >> (bit % 8);
  return new pkijs.PKIStatusInfo({
    status: pkijs.PKIStatus.rejection,
    statusStrings: [new asn1js.Utf8String({ value: text })],
    failInfo: new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (bit % 8) }),
  });
}

/** The names of the failure bits set in a PKIStatusInfo (unknown bits as `bit<n>`). */
export function failureNames(status: pkijs.PKIStatusInfo): string[] {
  const failInfo = status.failInfo;
  if (failInfo === undefined) return [];
  const bytes = failInfo.valueBlock.valueHexView;
  const names: string[] = [];
  for (let bit = 0; bit < bytes.length * 8 - failInfo.valueBlock.unusedBits; bit++) {
    if ((bytes[bit >> 3] & (0x80 >> (bit % 8))) === 0) continue;
    const name = (Object.keys(FAILURE_BITS) as FailureInfo[]).find((key) => FAILURE_BITS[key] === bit);
    names.push(name ?? `bit${bit}`);
  }
  return names;
}

/** The free text of a PKIStatusInfo, joined. */
export function statusText(status: pkijs.PKIStatusInfo): string {
  return (status.statusStrings ?? []).map((text) => text.valueBlock.value).join("; ");
}
