import { Router, type Request, type RequestHandler } from "express";
import multer from "multer";
import { z } from "zod";
import { EMPTY_CONTENT_REFUSAL, isEmptyContentDigest } from "../api/empty-content";
import {
  RevokeRequestSchema,
  SubmitRequestSchema,
  verdictView,
  type WebhookCreated,
  type WitnessLookup,
} from "../api/wire";
import { DocproofError } from "../errors";
import { parseSha256, type Sha256Hex } from "../proof/digest";
import { serializeReceipt } from "../proof/receipt";
import { parseAnyReceipt, type AnyReceipt } from "../proof/receipt-v2";
import type { RegistrarDirectory } from "../service/directory";
import type { Notary } from "../service/notary";
import type { OfflineReceipts } from "../service/offline-receipts";
import type { Verifier } from "../service/verifier";
import { withBodyDeadline, type BodyTimeouts } from "./body-deadline";
import { HashingStorage, type HashedUpload } from "./hashing-storage";
import { jsonBody } from "./json-body";
import { sendJsonAnswer } from "./post-answers";
import { HttpProblem } from "./problems";
import { explainUploadError, type UploadFields } from "./upload-errors";

export interface UploadLimits {
  /** Largest file accepted, in bytes. */
  maxFileBytes: number;
  /** Largest receipt accepted, in bytes (also the largest JSON body of a verification). */
  maxReceiptBytes: number;
}

const verifyBody = z.strictObject({ sha256: z.string(), receipt: z.unknown().optional() });

function validate<T>(schema: z.ZodType<T, unknown>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`);
    throw new DocproofError("invalid-request", `The JSON body is not valid: ${problems.slice(0, 5).join("; ")}.`);
  }
  return result.data;
}

type UploadedFiles = Record<string, (Express.Multer.File & HashedUpload)[]>;

/** The digest and optional receipt of a request, whichever body form it used. */
interface DocumentInput {
  sha256: Sha256Hex;
  receipt?: AnyReceipt;
  /** A submission's webhook for this document's events (JSON only). */
  callbackUrl?: string;
}

/** The guards the routes run before their own work. */
export interface RouteGuards {
  requireKey: RequestHandler;
  limitWrites: RequestHandler;
  limitReads: RequestHandler;
  bodyTimeouts: BodyTimeouts;
}

/** Registers a submission's callback (Webhooks.registerCallback, owned by the request's API key). */
export type CallbackRegistration = (req: Request, url: string, sha256: Sha256Hex) => WebhookCreated;

export function apiRoutes(
  {
    notary,
    verifier,
    directory,
    offlineReceipts,
    witnessOf,
    registerCallback,
  }: {
    notary: Notary;
    verifier: Verifier;
    directory: RegistrarDirectory;
    offlineReceipts?: OfflineReceipts;
    witnessOf?: WitnessLookup;
    registerCallback: CallbackRegistration;
  },
  limits: UploadLimits,
  guards: RouteGuards,
): Router {
  const { requireKey, limitWrites, limitReads, bodyTimeouts } = guards;
  const router = Router();
  const upload = multer({
    storage: new HashingStorage(limits.maxReceiptBytes, limits.maxFileBytes),
    limits: {
      fileSize: Math.max(limits.maxFileBytes, limits.maxReceiptBytes),
      files: 2,
      fields: 0,
      parts: 3,
      headerPairs: 50,
    },
  });
  const parseJson = jsonBody({ limit: 64 * 1024 }, bodyTimeouts);
  // The two below run behind `body`, which has matched the Content-Type already.
  // A list of 10,000 digests is about 660 KiB of JSON.
  const parseDigestList = jsonBody({ limit: 768 * 1024, typeMatched: true }, bodyTimeouts);
  // A version 2 receipt carries its anchoring's calldata: the largest batch's is about 1.6 MB.
  const parseVerifyJson = jsonBody({ limit: limits.maxReceiptBytes, typeMatched: true }, bodyTimeouts);

  // The requests `body` read as multipart; every other request reaching a route through it was
  // JSON. Content-Type is matched once a request, not again by each step that needs the answer.
  const multipartRequests = new WeakSet<Request>();
  const isMultipart = (req: Request) => multipartRequests.has(req);

  /** Multipart (with `fields`, one part each) or JSON, chosen by Content-Type; anything else is 415. */
  const body = (fields: UploadFields, jsonShape: string, parseJsonBody: RequestHandler): RequestHandler => {
    const multipart = upload.fields(Object.keys(fields).map((name) => ({ name, maxCount: 1 })));
    const parseMultipart = withBodyDeadline(multipart, bodyTimeouts);
    const accepted = Object.keys(fields)
      .map((name) => `'${name}'`)
      .join(" and ");
    return (req, res, next) => {
      if (req.is("multipart/form-data")) {
        multipartRequests.add(req);
        return parseMultipart(req, res, (error?: unknown) => next(explainUploadError(error, fields)));
      }
      if (req.is("application/json")) return parseJsonBody(req, res, next);
      next(
        new HttpProblem(
          "unsupported-media-type",
          `Send multipart/form-data with the part${accepted.includes(" and ") ? "s" : ""} ${accepted}, or JSON ${jsonShape}.`,
        ),
      );
    };
  };
  const documentBody = body(
    { file: "the document" },
    '{"sha256": "<64 hex>"} (or a list of up to 10,000)',
    parseDigestList,
  );
  const verifyRequestBody = body(
    { file: "the document", receipt: "its receipt, if any," },
    '{"sha256": "<64 hex>", "receipt"?: {…}}',
    parseVerifyJson,
  );

  /** The digest of a document, refused when it is the digest of empty content (see api/empty-content.ts). */
  const documentDigest = (value: unknown): Sha256Hex => {
    const sha256 = parseSha256(value);
    if (isEmptyContentDigest(sha256)) throw new HttpProblem("empty-file", EMPTY_CONTENT_REFUSAL);
    return sha256;
  };

  const input = (req: Request, allowReceipt: boolean): DocumentInput => {
    if (isMultipart(req)) {
      const files = (req.files ?? {}) as UploadedFiles;
      const file = files.file?.[0];
      if (file?.sha256 === undefined) throw new HttpProblem("missing-file", "Upload the document in the field 'file'.");
      const receiptPart = files.receipt?.[0];
      return {
        sha256: documentDigest(file.sha256),
        receipt: allowReceipt && receiptPart ? parseAnyReceipt(receiptPart.content ?? Buffer.alloc(0)) : undefined,
      };
    }
    if (!allowReceipt) {
      // A list of digests is taken by the route before it asks for one.
      const { sha256, callbackUrl } = validate(SubmitRequestSchema, req.body);
      return { sha256: documentDigest(sha256 as string), callbackUrl };
    }
    const parsed = validate(verifyBody, req.body);
    return {
      sha256: documentDigest(parsed.sha256),
      receipt: parsed.receipt === undefined ? undefined : parseAnyReceipt(parsed.receipt),
    };
  };

  router.post("/documents", limitWrites, requireKey, documentBody, async (req, res) => {
    if (!isMultipart(req) && Array.isArray((req.body as { sha256?: unknown } | undefined)?.sha256)) {
      // A list: every digest committed to the durable queue in one transaction before the answer.
      const list = validate(SubmitRequestSchema, req.body).sha256 as string[];
      const digests = list.map((value, i) => {
        try {
          return documentDigest(value);
        } catch (error) {
          if (error instanceof Error) error.message = `sha256[${i}]: ${error.message}`;
          throw error;
        }
      });
      const { created, documents } = await notary.submitMany(digests);
      sendJsonAnswer(res.status(documents.some((d) => d.status === "pending") ? 202 : 200), { created, documents });
      return;
    }
    const { sha256, callbackUrl } = input(req, false);
    // Registered first, so that no event of the document can come before its callback exists.
    const callback = callbackUrl === undefined ? undefined : registerCallback(req, callbackUrl, sha256);
    const { document } = await notary.submit(sha256);
    const location = `/api/v1/documents/${sha256}`;
    const answer = callback === undefined ? document : { ...document, callback };
    sendJsonAnswer(res.status(document.status === "pending" ? 202 : 200).location(location), answer);
  });

  router.get("/documents/:sha256", limitReads, (req, res) => {
    res.json(notary.document(parseSha256(req.params.sha256)));
  });

  router.get("/documents/:sha256/receipt", limitReads, async (req, res) => {
    const sha256 = parseSha256(req.params.sha256);
    const version = req.query.version ?? "1";
    if (version !== "1" && version !== "2") {
      throw new DocproofError("invalid-request", "The receipt version must be 1 or 2 (?version=2: with evidence).");
    }
    if (version === "2" && offlineReceipts === undefined) {
      throw new DocproofError("invalid-request", "This service does not serve version 2 receipts.");
    }
    const receipt = version === "2" ? await offlineReceipts!.receiptV2(sha256) : notary.receipt(sha256);
    res.attachment(`${sha256}.receipt.json`).type("application/json").send(serializeReceipt(receipt));
  });

  router.post("/documents/:sha256/revoke", limitWrites, requireKey, parseJson, async (req, res) => {
    const sha256 = parseSha256(req.params.sha256);
    if (!req.is("application/json")) {
      throw new HttpProblem(
        "unsupported-media-type",
        'Revocation takes JSON only: {"reason": "superseded"} or {"reason": 1} (docs/revocation-reasons.md).',
      );
    }
    const { reason } = validate(RevokeRequestSchema, req.body);
    sendJsonAnswer(res, await notary.revoke(sha256, reason));
  });

  router.post("/verify", limitReads, verifyRequestBody, async (req, res) => {
    const { sha256, receipt } = input(req, true);
    sendJsonAnswer(res, verdictView(await verifier.verify(sha256, receipt), directory.organisationOf, witnessOf));
  });

  router.get("/registrars", limitReads, (_req, res) => {
    res.json(directory.list());
  });

  return router;
}
