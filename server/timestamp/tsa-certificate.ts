import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { OID } from "./oids";

const SIGNING_USAGES = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation;

/**
 * Why a certificate cannot sign time-stamp tokens, or undefined when it can: RFC 3161 §2.3 wants
 * extendedKeyUsage timeStamping alone, marked critical; OpenSSL's timestampsign purpose also
 * wants a keyUsage, if any, of digitalSignature and/or nonRepudiation only. `at` adds a validity
 * check at that time. The reasons complete "The TSA certificate …".
 */
export function tsaCertificateProblem(certificate: x509.X509Certificate, at?: Date): string | undefined {
  const purpose = certificate.getExtension(x509.ExtendedKeyUsageExtension);
  if (purpose === null || !purpose.critical) {
    return "lacks a critical extendedKeyUsage extension (RFC 3161 requires it, with timeStamping only)";
  }
  if (purpose.usages.length !== 1 || purpose.usages[0] !== OID.timeStamping) {
    return "must have extendedKeyUsage timeStamping and no other purpose";
  }
  const usage = certificate.getExtension(x509.KeyUsagesExtension);
  if (usage !== null && ((usage.usages & ~SIGNING_USAGES) !== 0 || (usage.usages & SIGNING_USAGES) === 0)) {
    return "has a keyUsage other than digitalSignature and nonRepudiation";
  }
  if (at !== undefined && (at < certificate.notBefore || at > certificate.notAfter)) {
    const validity = `${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()}`;
    return `is not valid at ${at.toISOString()} (valid ${validity})`;
  }
  return undefined;
}
