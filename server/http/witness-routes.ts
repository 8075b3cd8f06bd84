import { Router, type RequestHandler } from "express";
import { CosignRequestSchema } from "../api/wire";
import { DocproofError } from "../errors";
import type { OfflineReceipts } from "../service/offline-receipts";
import type { WitnessCosigning } from "../service/witness-cosigning";
import type { BodyTimeouts } from "./body-deadline";
import { jsonBody } from "./json-body";
import { sendJsonAnswer } from "./post-answers";
import { HttpProblem } from "./problems";

/**
 * What lets receipts be checked without a trusted node: the checkpoint this service publishes, and
 * this member's cosignature of blocks it holds final, for the other members' receipts.
 */
export function witnessRoutes(
  { offlineReceipts, witnessCosigning }: { offlineReceipts?: OfflineReceipts; witnessCosigning?: WitnessCosigning },
  guards: { limitReads: RequestHandler; bodyTimeouts: BodyTimeouts },
): Router {
  const router = Router();
  const parseJson = jsonBody({ limit: 4 * 1024 }, guards.bodyTimeouts);

  router.get("/checkpoint", guards.limitReads, (_req, res) => {
    if (offlineReceipts === undefined) {
      throw new DocproofError("checkpoint-unavailable", "This service keeps no history of the chain's block hashes.");
    }
    res.json(offlineReceipts.checkpoint());
  });

  router.post("/witness/cosign", guards.limitReads, parseJson, async (req, res) => {
    if (!req.is("application/json")) {
      throw new HttpProblem("unsupported-media-type", 'Send JSON: {"blockNumber": 123, "blockHash": "0x…"}.');
    }
    if (witnessCosigning === undefined) {
      throw new DocproofError("witness-wrong-chain", "This service is not a witness.");
    }
    const parsed = CosignRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`);
      throw new DocproofError("invalid-request", `The JSON body is not valid: ${problems.slice(0, 5).join("; ")}.`);
    }
    sendJsonAnswer(res, await witnessCosigning.cosign(parsed.data));
  });

  return router;
}
