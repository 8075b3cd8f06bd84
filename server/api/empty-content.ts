/**
 * The one rule for empty documents, shared by the service, the CLI and the page: the SHA-256 of
 * zero bytes is refused wherever a document is notarized or verified. Anyone can produce an empty
 * file, so its anchoring proves nothing, and an empty upload or digest is nearly always a mistake
 * (a form that sent nothing, a file truncated on its way). It imports nothing, so the page's bundle
 * takes only these lines.
 */

/** SHA-256 of empty content. */
export const EMPTY_CONTENT_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** Why an empty document is refused, in the words every client shows. */
export const EMPTY_CONTENT_REFUSAL =
  "The document is empty (0 bytes; SHA-256 e3b0c442…b855): anyone can produce an empty file, so its " +
  "notarization would prove nothing. Choose the file you meant.";

/** True for the digest of empty content, in any case and with or without 0x. */
export function isEmptyContentDigest(sha256: string): boolean {
  return sha256.trim().replace(/^0x/, "").toLowerCase() === EMPTY_CONTENT_SHA256;
}
