import multer from "multer";
import { HttpProblem } from "./problems";

/** The parts an endpoint reads, each named with what it carries ("the document", "its receipt"). */
export type UploadFields = Readonly<Record<string, string>>;

/** "send the document in the part 'file' and its receipt in the part 'receipt'" */
function whereToSend(fields: UploadFields): string {
  return Object.entries(fields)
    .map(([name, what]) => `${what} in the part '${name}'`)
    .join(" and ");
}

/**
 * multer's errors for parts an endpoint does not take, in words that say what to send instead: a
 * part repeated (one document per request), a file under another name (the expected name), a text
 * field. Any other error is returned as it is, for the problem handler to classify.
 */
export function explainUploadError(error: unknown, fields: UploadFields): unknown {
  if (!(error instanceof multer.MulterError)) return error;
  const names = Object.keys(fields);
  switch (error.code) {
    case "LIMIT_UNEXPECTED_FILE":
      if (error.field !== undefined && names.includes(error.field)) {
        return new HttpProblem(
          "too-many-files",
          `One file per request: the part '${error.field}' came more than once. Send each document in a ` +
            "request of its own.",
        );
      }
      return new HttpProblem(
        "unexpected-field",
        `This endpoint reads no part '${error.field ?? ""}': send ${whereToSend(fields)}.`,
      );
    case "LIMIT_FILE_COUNT":
      return new HttpProblem(
        "too-many-files",
        `One file per request: at most one part each of ${names.map((name) => `'${name}'`).join(" and ")}.`,
      );
    case "LIMIT_FIELD_COUNT":
    case "LIMIT_FIELD_KEY":
    case "LIMIT_FIELD_VALUE": {
      const field = error.field === undefined ? "" : ` ('${error.field}')`;
      return new HttpProblem("unexpected-field", `Text fields${field} are not read here: send ${whereToSend(fields)}.`);
    }
    default:
      return error;
  }
}
