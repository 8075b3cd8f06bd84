import { json, type Request, type RequestHandler } from "express";
import { withBodyDeadline, type BodyTimeouts } from "./body-deadline";

/** `application/json`, alone or with the charset every JSON text is in (RFC 8259 §8.1). */
const PLAIN_JSON = /^application\/json(?:\s*;\s*charset="?utf-8"?)?\s*$/i;

/** The error Express's JSON parser reports for a body that is not a JSON object or array. */
function notJson(cause: string): Error {
  return Object.assign(new SyntaxError(cause), {
    status: 400,
    statusCode: 400,
    expose: true,
    type: "entity.parse.failed",
  });
}

/**
 * The request's JSON body when all of it is already buffered in plain UTF-8 JSON, read at once;
 * `undefined`, with nothing read, for any other request. A body that is not a JSON object or array
 * throws the error Express's JSON parser gives (`type: "entity.parse.failed"`).
 */
export function takeBufferedJson(req: Request, limit: number): { value: unknown } | undefined {
  const headers = req.headers;
  const announced = headers["content-length"];
  if (announced === undefined || headers["transfer-encoding"] !== undefined) return undefined;
  if (headers["content-encoding"] !== undefined) return undefined;
  const type = headers["content-type"];
  if (type === undefined || !PLAIN_JSON.test(type)) return undefined;
  const length = Number(announced);
  if (!(length > 0 && length <= limit) || req.readableLength !== length || req.readableFlowing === true) {
    return undefined;
  }
  const bytes = req.read() as Buffer | null;
  if (bytes === null || bytes.length !== length) {
    // Cannot happen with the length checked above; put back whatever came, for the full parser.
    if (bytes !== null) req.unshift(bytes);
    return undefined;
  }
  let text = bytes.toString("utf8");
  // As the full parser does, a byte order mark is not part of the text.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw notJson((error as Error).message);
  }
  // Strict, as the full parser is: an object or an array, never a bare value.
  if (typeof value !== "object" || value === null) throw notJson("The body is not a JSON object or array.");
  return { value };
}

/**
 * A JSON body parser for the API's requests, under the body deadlines (body-deadline.ts).
 * `typeMatched`: the route has matched Content-Type already, so the parser does not match it again.
 *
 * NOTE: a body that arrived whole with its headers, in plain UTF-8 JSON, is read here in one step;
 * every other body (compressed, chunked, another charset, over the limit, still arriving) goes to
 * Express's parser, which is the reference the fast path is tested against. Express's parser reads
 * even a buffered body as a stream, with five listeners, a decoder and a later tick: about 5% of
 * the CPU time of a verification at 50 clients, measured against this path.
 */
export function jsonBody(
  { limit, typeMatched = false }: { limit: number; typeMatched?: boolean },
  timeouts: BodyTimeouts,
): RequestHandler {
  const parse = withBodyDeadline(json({ limit, strict: true, ...(typeMatched ? { type: () => true } : {}) }), timeouts);
  return (req, res, next) => {
    let taken: { value: unknown } | undefined;
    try {
      taken = takeBufferedJson(req, limit);
    } catch (error) {
      return next(error);
    }
    if (taken === undefined) return parse(req, res, next);
    req.body = taken.value;
    next();
  };
}
