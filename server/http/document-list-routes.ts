import { Router, type RequestHandler } from "express";
import { DOCUMENT_LIST_DEFAULT_LIMIT, DocumentListQuerySchema } from "../api/wire";
import type { DocumentList } from "../service/document-list";
import { HttpProblem } from "./problems";

/**
 * `GET /api/v1/documents`: the service's list of documents, newest first, filtered and paged. It
 * names every member's documents and this service's queue, so it takes the API key whenever the
 * service has keys (operators browse it; anyone may still look a digest up by itself).
 */
export function documentListRoutes(
  { documentList }: { documentList: DocumentList },
  { requireKey, limitReads }: { requireKey: RequestHandler; limitReads: RequestHandler },
): Router {
  const router = Router();

  router.get("/documents", limitReads, requireKey, (req, res) => {
    const query = req.query as Record<string, unknown>;
    const repeated = Object.keys(query).filter((name) => Array.isArray(query[name]));
    if (repeated.length > 0) {
      throw new HttpProblem("invalid-query", `Give each parameter once: ${repeated.join(", ")} came more than once.`);
    }
    const parsed = DocumentListQuerySchema.safeParse(query);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) =>
        issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`,
      );
      throw new HttpProblem("invalid-query", `The query is not valid: ${problems.slice(0, 5).join("; ")}.`);
    }
    const { registrar, status, from, to, limit, cursor } = parsed.data;
    res.set("Cache-Control", "no-store");
    res.json(
      documentList.list({
        registrar,
        status,
        fromMs: from,
        toMs: to,
        limit: limit ?? DOCUMENT_LIST_DEFAULT_LIMIT,
        cursor,
      }),
    );
  });

  return router;
}
