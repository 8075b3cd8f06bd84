/**
 * The receipt travels inside its certificate as an embedded file, so the PDF alone is a portable
 * proof: any PDF viewer lists it as an attachment, and `pdfdetach -save 1` writes it back out.
 */
import { inflateSync } from "node:zlib";
import {
  AFRelationship,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFRawStream,
  PDFString,
  type PDFObject,
} from "pdf-lib";
import { CertificateError } from "./certificate-error";

export const RECEIPT_ATTACHMENT_NAME = "receipt.json";
export const RECEIPT_MEDIA_TYPE = "application/json";
/** Far above any receipt with evidence; a bound for inflating streams from untrusted PDFs. */
export const MAX_RECEIPT_BYTES = 16 * 1024 * 1024;
/** Name trees are shallow; a deeper one is malformed or built to make readers loop. */
const MAX_NAME_TREE_DEPTH = 16;

export async function attachReceipt(document: PDFDocument, receiptJson: string, at: Date): Promise<void> {
  await document.attach(new TextEncoder().encode(receiptJson), RECEIPT_ATTACHMENT_NAME, {
    mimeType: RECEIPT_MEDIA_TYPE,
    description: "Docproof receipt: the Merkle proof and anchoring facts to check this document against the chain",
    creationDate: at,
    modificationDate: at,
    afRelationship: AFRelationship.Data,
  });
}

function text(value: PDFObject | undefined): string | undefined {
  return value instanceof PDFString || value instanceof PDFHexString ? value.decodeText() : undefined;
}

function isReceiptSpec(spec: PDFObject | undefined): spec is PDFDict {
  return (
    spec instanceof PDFDict &&
    (text(spec.lookup(PDFName.of("UF"))) ?? text(spec.lookup(PDFName.of("F")))) === RECEIPT_ATTACHMENT_NAME
  );
}

/** The file specification named receipt.json in the document's EmbeddedFiles name tree. */
function findReceiptSpec(node: PDFDict, depth: number): PDFDict | undefined {
  const names = node.lookup(PDFName.of("Names"));
  if (names instanceof PDFArray) {
    for (let i = 0; i + 1 < names.size(); i += 2) {
      const spec = names.lookup(i + 1);
      if (text(names.lookup(i)) === RECEIPT_ATTACHMENT_NAME || isReceiptSpec(spec)) {
        if (spec instanceof PDFDict) return spec;
      }
    }
  }
  const kids = node.lookup(PDFName.of("Kids"));
  if (kids instanceof PDFArray && depth < MAX_NAME_TREE_DEPTH) {
    for (let i = 0; i < kids.size(); i++) {
      const kid = kids.lookup(i);
      const found = kid instanceof PDFDict ? findReceiptSpec(kid, depth + 1) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

function streamBytes(stream: PDFRawStream): Uint8Array {
  const filter = stream.dict.lookup(PDFName.of("Filter"));
  const filters = filter instanceof PDFArray ? filter.asArray() : filter === undefined ? [] : [filter];
  const names = filters.map((name) => (name instanceof PDFName ? name.decodeText() : "?"));
  if (names.length === 0) return stream.contents;
  if (names.length === 1 && names[0] === "FlateDecode") {
    return inflateSync(stream.contents, { maxOutputLength: MAX_RECEIPT_BYTES });
  }
  throw new Error(`the receipt is stored with filters ${names.join(", ")}; only FlateDecode is read`);
}

/**
 * The receipt attached to a certificate, parsed from JSON and otherwise unchecked: pass it to
 * `parseReceipt` (server/proof/receipt.ts) before trusting it. Throws `certificate-unreadable`
 * when the bytes are not a PDF, `certificate-receipt-missing` when no receipt.json is attached,
 * and `certificate-receipt-corrupt` when it cannot be decoded as JSON.
 */
export async function readReceiptFromCertificate(pdf: Uint8Array): Promise<unknown> {
  let document: PDFDocument;
  try {
    document = await PDFDocument.load(pdf, { updateMetadata: false });
  } catch (error) {
    throw new CertificateError("certificate-unreadable", "The certificate is not a PDF this tool can read.", {
      cause: error,
    });
  }
  let spec: PDFDict | undefined;
  try {
    const embeddedFiles = document.catalog.lookup(PDFName.of("Names"));
    const tree = embeddedFiles instanceof PDFDict ? embeddedFiles.lookup(PDFName.of("EmbeddedFiles")) : undefined;
    spec = tree instanceof PDFDict ? findReceiptSpec(tree, 0) : undefined;
  } catch (error) {
    // NOTE: pdf-lib loads a file without a document catalog, then fails on the first lookup.
    throw new CertificateError("certificate-unreadable", "The certificate is not a PDF this tool can read.", {
      cause: error,
    });
  }
  if (spec === undefined) {
    throw new CertificateError(
      "certificate-receipt-missing",
      `The certificate has no ${RECEIPT_ATTACHMENT_NAME} attachment; it is not a Docproof certificate.`,
    );
  }
  try {
    const files = spec.lookup(PDFName.of("EF"), PDFDict);
    const stream = files.lookup(PDFName.of("F"));
    if (!(stream instanceof PDFRawStream)) throw new Error("its file entry is not a stream");
    const bytes = streamBytes(stream);
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new CertificateError(
      "certificate-receipt-corrupt",
      `The certificate's ${RECEIPT_ATTACHMENT_NAME} cannot be read as JSON: ${error instanceof Error ? error.message : String(error)}.`,
      { cause: error },
    );
  }
}
