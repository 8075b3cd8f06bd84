import { Router, type Request, type RequestHandler } from "express";
import { isIP } from "node:net";
import { z } from "zod";
import { DOCUMENT_NAME_MAX_LENGTH } from "../certificate/certificate-pdf";
import { isTimeZone } from "../certificate/certificate-time";
import { DocproofError } from "../errors";
import { parseSha256 } from "../proof/digest";
import type { CertificateIssuer } from "../service/certificates";
import { HttpProblem } from "./problems";

const CertificateQuerySchema = z.object({
  tz: z.string().max(64).optional(),
  name: z
    .string()
    .refine((name) => Array.from(name).length <= DOCUMENT_NAME_MAX_LENGTH, {
      message: `must be at most ${DOCUMENT_NAME_MAX_LENGTH} characters`,
    })
    .optional(),
});

const LOOPBACK_NAMES = new Set(["localhost", "[::1]"]);

function isLoopback(host: string | undefined): boolean {
  if (host === undefined) return false;
  const bare = host.replace(/^::ffff:/, "");
  if (LOOPBACK_NAMES.has(host) || bare === "::1") return true;
  return isIP(bare) === 4 && bare.startsWith("127.");
}

/**
 * Where the page is, for the certificate's QR code: PUBLIC_URL when configured. Without it, the
 * request's own host only when the service was reached on loopback by a loopback name, so that a
 * forged Host header can never put someone else's site on a certificate; otherwise no QR code.
 */
function pageUrlOf(req: Request, publicUrl: string | undefined): string | undefined {
  if (publicUrl !== undefined) return publicUrl;
  const host = req.get("host");
  if (host === undefined || !isLoopback(req.socket.localAddress)) return undefined;
  let url: URL;
  try {
    url = new URL(`${req.protocol}://${host}/`);
  } catch {
    return undefined;
  }
  return isLoopback(url.hostname) ? url.href : undefined;
}

/** `GET /api/v1/documents/{sha256}/certificate.pdf`: the certificate of notarization. */
export function certificateRoutes(
  certificates: CertificateIssuer,
  options: { publicUrl?: string; limitReads: RequestHandler },
): Router {
  const router = Router();
  router.get("/documents/:sha256/certificate.pdf", options.limitReads, async (req, res) => {
    const sha256 = parseSha256(req.params.sha256);
    const query = CertificateQuerySchema.safeParse(req.query);
    if (!query.success) {
      const problems = query.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
      throw new DocproofError("invalid-request", `The query is not valid: ${problems.slice(0, 3).join("; ")}.`);
    }
    const { tz, name } = query.data;
    if (tz !== undefined && !isTimeZone(tz)) {
      throw new HttpProblem(
        "invalid-time-zone",
        `tz must be an IANA time zone name such as "Europe/Berlin" or "UTC"; got "${tz}".`,
      );
    }
    const { pdf } = await certificates.issue({
      sha256,
      timeZone: tz,
      documentName: name,
      pageUrl: pageUrlOf(req, options.publicUrl),
    });
    // Named after the document when its name is known, as the receipt beside it is; browsers
    // prefer this name to the page's own. Separators and controls would only be replaced by them.
    const fileName = name?.trim() ? name.replace(/[\p{Cc}\p{Cf}/\\]/gu, "_") : sha256;
    res
      .attachment(`${fileName}.certificate.pdf`)
      .type("application/pdf")
      // The certificate states the document's standing when it was issued, and the time it was.
      .set("Cache-Control", "no-store")
      .send(Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength));
  });
  return router;
}
