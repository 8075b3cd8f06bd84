import { z } from "zod";
import {
  DOCUMENT_LIST_DEFAULT_LIMIT,
  DOCUMENT_LIST_MAX_LIMIT,
  DocumentListQuerySchema,
  DocumentPageSchema,
} from "../api/wire";

/** A wire schema as OpenAPI embeds it, with a schema the wire names (an address, say) written out in place. */
function inlineSchemaOf(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _dialect, $defs, $ref, ...body } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  const named = typeof $ref === "string" ? ($defs as Record<string, object> | undefined)?.[$ref.split("/").pop()!] : {};
  return { ...named, ...body };
}

/** The page of the list, as components.schemas.DocumentPage. */
export const documentPageSchema = () => inlineSchemaOf(DocumentPageSchema, "output");

/** `GET /api/v1/documents` for the OpenAPI document: its parameters come from the wire's query schema. */
export function documentListOperation() {
  const problem = { $ref: "#/components/responses/Problem" };
  return {
    summary:
      "List documents, newest first: every member's anchorings from the registry index, and this service's queue",
    description:
      "Cursor-paged: pass the answer's `next` as `cursor`, with the same filters, for the next page; documents " +
      "added meanwhile come before the cursor, so pages neither repeat nor skip entries. An entry's time is its " +
      "anchoring block's, or for a pending document, when this service accepted it. Needs the API key whenever " +
      "the service has keys.",
    security: [{ apiKey: [] }, {}],
    parameters: Object.entries(DocumentListQuerySchema.shape).map(([name, schema]) => {
      const { description, ...parameterSchema } = inlineSchemaOf(schema as z.ZodType, "input");
      // The wire reads every parameter as the string it arrives as; clients see the number it stands for.
      const limit = {
        type: "integer",
        minimum: 1,
        maximum: DOCUMENT_LIST_MAX_LIMIT,
        default: DOCUMENT_LIST_DEFAULT_LIMIT,
      };
      return { name, in: "query", required: false, description, schema: name === "limit" ? limit : parameterSchema };
    }),
    responses: {
      "200": {
        description: "A page of the list.",
        content: { "application/json": { schema: { $ref: "#/components/schemas/DocumentPage" } } },
      },
      "400": problem,
      "401": problem,
      "429": problem,
      "503": problem,
    },
  };
}
