/**
 * Writes the JSON Schemas of receipts and checkpoints from their zod schemas, the single source:
 *
 *   npx ts-node scripts/receipt-schemas.ts          writes docs/*.schema.json
 *   npx ts-node scripts/receipt-schemas.ts --check  exits 1 if a committed file differs
 *
 * A test (test/scripts/receipt-schemas.test.ts) holds the committed files equal to what this writes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { format, resolveConfig } from "prettier";
import { z } from "zod";
import { CheckpointSchema } from "../server/proof/history-accumulator";
import { ReceiptV1Schema } from "../server/proof/receipt";
import { ReceiptV2Schema } from "../server/proof/receipt-v2";

const DOCS = path.join(__dirname, "..", "docs");

export const SCHEMA_FILES: Readonly<Record<string, z.ZodType>> = {
  "receipt-v1.schema.json": ReceiptV1Schema,
  "receipt-v2.schema.json": ReceiptV2Schema,
  "checkpoint.schema.json": CheckpointSchema,
};

/** Keys a reader looks for first, in this order; the rest keep zod's order. */
const LEADING_KEYS = ["$schema", "$id", "title", "description"];

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  // io "input": the JSON as written in a file, before parsing normalises it (checksums, brands).
  const generated = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of LEADING_KEYS) if (key in generated) ordered[key] = generated[key];
  for (const [key, value] of Object.entries(generated)) if (!(key in ordered)) ordered[key] = value;
  return ordered;
}

/** Each schema file's path and its text, formatted as the repository's Prettier formats JSON. */
export async function schemaFiles(): Promise<{ path: string; text: string }[]> {
  return Promise.all(
    Object.entries(SCHEMA_FILES).map(async ([name, schema]) => {
      const file = path.join(DOCS, name);
      const options = (await resolveConfig(file)) ?? {};
      const text = await format(JSON.stringify(jsonSchemaOf(schema)), { ...options, filepath: file });
      return { path: file, text };
    }),
  );
}

async function main() {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const { path: file, text } of await schemaFiles()) {
    const name = path.relative(process.cwd(), file);
    if (check) {
      let committed = "";
      try {
        committed = readFileSync(file, "utf8");
      } catch {
        // missing counts as stale
      }
      if (committed !== text) {
        stale += 1;
        console.error(`${name} differs from its zod schema: run npx ts-node scripts/receipt-schemas.ts`);
      }
    } else {
      writeFileSync(file, text);
      console.log(`wrote ${name}`);
    }
  }
  if (stale > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
