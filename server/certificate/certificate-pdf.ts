/**
 * The certificate of notarization as a PDF: data in, bytes out. It states what the receipt proves
 * in words (document, fingerprint, organisation, block, transaction, times in UTC and the reader's
 * zone, revocation), carries the receipt itself as an attachment, links to the service's
 * verification by QR code, and says how to check it without the service.
 *
 * NOTE: pdf-lib draws glyphs in logical order without bidirectional reordering, so Hebrew and
 * Arabic names print in their letters but left to right.
 */
import { createHash } from "node:crypto";
import fontkit from "@pdf-lib/fontkit";
import { getAddress, isAddress } from "ethers";
import { PDFDocument, PDFHexString, PDFName, rgb, type PDFFont, type PDFPage, type RGB } from "pdf-lib";
import { z } from "zod";
import { DocproofError } from "../errors";
import { ReceiptV1Schema, checkReceiptConsistency, serializeReceipt, type ReceiptV1 } from "../proof/receipt";
import { revocationReasonName } from "../proof/revocation-reasons";
import { CertificateError } from "./certificate-error";
import { printableText, wrapText } from "./certificate-text";
import { resolveTimeZone, timeInZone, utcTime } from "./certificate-time";
import type { CertificateFonts } from "./dejavu-fonts";
import { QR_QUIET_ZONE, qrSymbol } from "./qr-code";
import { RECEIPT_ATTACHMENT_NAME, attachReceipt } from "./receipt-attachment";

/** Longest organisation name shown whole; longer names (set on chain, by others) are shortened with a note. */
export const ORGANISATION_NAME_MAX_LENGTH = 64;
/** Longest document name a certificate takes (the usual file-name limit), in characters. */
export const DOCUMENT_NAME_MAX_LENGTH = 255;
/** Longer URLs make QR codes too dense to scan from paper. */
export const VERIFY_URL_MAX_LENGTH = 512;

/**
 * A receipt as the service serves it: the version 1 fields, plus whatever later versions add
 * (evidence), which the certificate embeds untouched and does not interpret.
 */
export type CertifiedReceipt = Omit<ReceiptV1, "version"> & {
  readonly version: number;
  readonly [field: string]: unknown;
};

/** The document's standing in the registry when the certificate is made. */
export type CertifiedStatus =
  | { state: "anchored" }
  /** `reason` is the registry's revocation reason code; `revokedAt` the block time, Unix seconds. */
  | { state: "revoked"; reason: number; revokedAt?: number };

export interface CertificateInput {
  receipt: CertifiedReceipt;
  status: CertifiedStatus;
  /** The document's file name as the user gave it; untrusted, printed as plain text. */
  documentName?: string;
  /** Who vouched for the document; the name is set on chain by others, so untrusted. Default: the receipt's registrar. */
  organisation?: { name?: string; address: string };
  /** IANA time zone for the second statement of the block time, such as "Europe/Berlin". Default "UTC". */
  timeZone?: string;
  /** Where the service verifies this document; shown as a QR code and link when given. */
  verifyUrl?: string;
}

export interface CertificateDependencies {
  fonts: CertificateFonts;
  /** The certificate's creation time; equal input and equal time give identical bytes. */
  now: () => Date;
}

/** The version 1 fields of any receipt version; later versions' additions pass through. */
const CertifiedReceiptSchema = ReceiptV1Schema.extend({ version: z.number().int().min(1) }).loose();

// Layout, in PDF points (1/72 inch), A4 portrait.
const PAGE_SIZE: [number, number] = [595.28, 841.89];
const MARGIN_X = 56;
const MARGIN_TOP = 52;
const MARGIN_BOTTOM = 64;
const FOOTER_Y = 34;
const CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN_X;
const LABEL_WIDTH = 112;
const VALUE_X = MARGIN_X + LABEL_WIDTH + 10;
const VALUE_WIDTH = CONTENT_WIDTH - LABEL_WIDTH - 10;
const LEADING = 1.32;
/** From a line's top to its baseline, in ems: half the leading, then 0.8 em (DejaVu's cap height is 0.73, its ascent 0.93). */
const BASELINE_DROP = (LEADING - 1) / 2 + 0.8;
const LABEL_SIZE = 8.5;
const QR_SIZE = 112;
const QR_COLUMN = QR_SIZE + 20;
const QR_CAPTION_LINES = 6;

const INK = rgb(0.1, 0.11, 0.13);
const MUTED = rgb(0.38, 0.4, 0.44);
const RULE = rgb(0.82, 0.84, 0.87);
const ACCENT = rgb(0.1, 0.25, 0.5);
const ANCHORED = { ink: rgb(0.08, 0.4, 0.2), fill: rgb(0.9, 0.96, 0.92) };
const REVOKED = { ink: rgb(0.62, 0.08, 0.1), fill: rgb(0.99, 0.91, 0.91) };

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  mono: PDFFont;
  /** Code points each font has glyphs for. */
  covers: Map<PDFFont, Set<number>>;
}

/** A piece of text in one style; layout wraps it into lines. */
interface Run {
  text: string;
  font: PDFFont;
  size: number;
  color: RGB;
  gapBefore?: number;
}

interface Line {
  text: string;
  font: PDFFont;
  size: number;
  color: RGB;
  top: number;
  height: number;
}

function layoutRuns(runs: readonly Run[], width: number): { lines: Line[]; height: number } {
  const lines: Line[] = [];
  let top = 0;
  for (const run of runs) {
    top += run.gapBefore ?? 0;
    const height = run.size * LEADING;
    for (const text of wrapText(run.text, width, (line) => run.font.widthOfTextAtSize(line, run.size))) {
      lines.push({ text, font: run.font, size: run.size, color: run.color, top, height });
      top += height;
    }
  }
  return { lines, height: top };
}

function drawLines(page: PDFPage, lines: readonly Line[], x: number, top: number): void {
  for (const line of lines) {
    const baseline = top - line.top - line.size * BASELINE_DROP;
    page.drawText(line.text, { x, y: baseline, size: line.size, font: line.font, color: line.color });
  }
}

/** Pages filled from the top; a block that does not fit on the page starts the next one. */
class PageFlow {
  readonly pages: PDFPage[] = [];
  page!: PDFPage;
  y = 0;

  constructor(
    private readonly document: PDFDocument,
    private readonly rowPadding: number,
  ) {
    this.newPage();
  }

  newPage(): void {
    this.page = this.document.addPage(PAGE_SIZE);
    this.pages.push(this.page);
    this.y = PAGE_SIZE[1] - MARGIN_TOP;
  }

  reserve(height: number): void {
    if (this.y - height < MARGIN_BOTTOM && this.y < PAGE_SIZE[1] - MARGIN_TOP) this.newPage();
  }

  block(runs: readonly Run[], options: { x?: number; width?: number; after?: number } = {}): void {
    const { lines, height } = layoutRuns(runs, options.width ?? CONTENT_WIDTH);
    this.reserve(height);
    drawLines(this.page, lines, options.x ?? MARGIN_X, this.y);
    this.y -= height + (options.after ?? 0);
  }

  /** One line of the facts table: a label on the left, its value's runs on the right. */
  row(label: string, value: readonly Run[], fonts: Fonts): void {
    const labelLines = layoutRuns([{ text: label, font: fonts.bold, size: LABEL_SIZE, color: MUTED }], LABEL_WIDTH);
    const valueLines = layoutRuns(value, VALUE_WIDTH);
    const height = Math.max(labelLines.height, valueLines.height) + 2 * this.rowPadding;
    this.reserve(height);
    // The label's baseline on the first value line's, whatever size that line is set in.
    const labelDrop = Math.max(0, (valueLines.lines[0]?.size ?? LABEL_SIZE) - LABEL_SIZE) * BASELINE_DROP;
    drawLines(this.page, labelLines.lines, MARGIN_X, this.y - this.rowPadding - labelDrop);
    drawLines(this.page, valueLines.lines, VALUE_X, this.y - this.rowPadding);
    this.y -= height;
    this.rule();
  }

  rule(): void {
    this.page.drawLine({
      start: { x: MARGIN_X, y: this.y },
      end: { x: MARGIN_X + CONTENT_WIDTH, y: this.y },
      thickness: 0.5,
      color: RULE,
    });
  }
}

function invalid(message: string): never {
  throw new CertificateError("certificate-input-invalid", message);
}

function checkedReceipt(receipt: CertifiedReceipt): ReceiptV1 {
  const result = CertifiedReceiptSchema.safeParse(receipt);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join(".") || "receipt"}: ${issue.message}`)
      .join("; ");
    throw new DocproofError("receipt-malformed", `The receipt lacks what a certificate states: ${problems}.`);
  }
  const core = { ...result.data, version: 1 as const };
  checkReceiptConsistency(core);
  return core;
}

function checkedVerifyUrl(verifyUrl: string): string {
  let url: URL;
  try {
    url = new URL(verifyUrl);
  } catch {
    invalid("verifyUrl is not a URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") invalid("verifyUrl must be an http or https URL.");
  // URL.href is ASCII (punycode host, percent-encoded path), which PDF link actions require.
  if (url.href.length > VERIFY_URL_MAX_LENGTH) invalid(`verifyUrl is longer than ${VERIFY_URL_MAX_LENGTH} characters.`);
  return url.href;
}

/** A subset font's name starts with six capital letters naming the subset (ISO 32000-1, 9.6.4). */
function subsetName(fontName: string, seed: string): string {
  const digest = createHash("sha256").update(`${fontName}\n${seed}`).digest();
  const tag = Array.from(digest.subarray(0, 6), (byte) => String.fromCharCode(65 + (byte % 26))).join("");
  return `${tag}+${fontName}`;
}

type Fontkit = Parameters<PDFDocument["registerFontkit"]>[0];
type ParsedFont = ReturnType<Fontkit["create"]>;

/**
 * fontkit parses a font's layout tables on first use, which costs more than the rest of a
 * certificate; its fonts are read-only after parsing, so one parse per font file serves every
 * rendering.
 */
const parsedFonts = new WeakMap<Uint8Array, ParsedFont>();
const sharedFontkit: Fontkit = {
  create(buffer, postscriptName) {
    if (postscriptName !== undefined) return fontkit.create(buffer, postscriptName);
    let font = parsedFonts.get(buffer);
    if (font === undefined) {
      font = fontkit.create(buffer);
      parsedFonts.set(buffer, font);
    }
    return font;
  },
};

async function embedFonts(document: PDFDocument, fonts: CertificateFonts, seed: string): Promise<Fonts> {
  document.registerFontkit(sharedFontkit);
  const [regular, bold, mono] = await Promise.all([
    document.embedFont(fonts.regular, { subset: true, customName: subsetName("DejaVuSans", seed) }),
    document.embedFont(fonts.bold, { subset: true, customName: subsetName("DejaVuSans-Bold", seed) }),
    document.embedFont(fonts.mono, { subset: true, customName: subsetName("DejaVuSansMono", seed) }),
  ]);
  const covers = new Map([regular, bold, mono].map((font) => [font, new Set(font.getCharacterSet())]));
  return { regular, bold, mono, covers };
}

function addLink(document: PDFDocument, page: PDFPage, url: string, rect: [number, number, number, number]): void {
  const link = document.context.register(
    document.context.obj({
      Type: "Annot",
      Subtype: "Link",
      Rect: rect,
      Border: [0, 0, 0],
      // Hex, because pdf-lib writes literal strings unescaped and URLs may hold "(", ")" and "\\".
      A: { Type: "Action", S: "URI", URI: PDFHexString.of(Buffer.from(url, "ascii").toString("hex")) },
    }),
  );
  page.node.addAnnot(link);
}

/** What the certificate states, checked. */
interface CertificateFacts {
  receipt: ReceiptV1;
  receiptVersion: number;
  receiptJson: string;
  revoked?: { reason: number; revokedAt?: number };
  documentName?: string;
  organisation: { name?: string; address: string };
  timeZone: string;
  verifyUrl?: string;
  createdAt: Date;
}

function checkedFacts(input: CertificateInput, createdAt: Date): CertificateFacts {
  const receipt = checkedReceipt(input.receipt);
  const timeZone = resolveTimeZone(input.timeZone ?? "UTC");
  const verifyUrl = input.verifyUrl === undefined ? undefined : checkedVerifyUrl(input.verifyUrl);
  const status = input.status;
  if (status.state === "revoked") {
    if (!Number.isSafeInteger(status.reason) || status.reason < 0) invalid("The revocation reason must be a code ≥ 0.");
    if (status.revokedAt !== undefined && (!Number.isSafeInteger(status.revokedAt) || status.revokedAt < 0)) {
      invalid("revokedAt must be a Unix time in seconds.");
    }
  } else if (status.state !== "anchored") {
    invalid('The status must be "anchored" or "revoked".');
  }
  const address = input.organisation?.address ?? receipt.registrar;
  if (!isAddress(address)) invalid("The organisation's address is not an Ethereum address.");
  const documentName = input.documentName?.trim() ? input.documentName : undefined;
  if (documentName !== undefined && Array.from(documentName).length > DOCUMENT_NAME_MAX_LENGTH) {
    invalid(`The document name is longer than ${DOCUMENT_NAME_MAX_LENGTH} characters.`);
  }
  if (Number.isNaN(createdAt.getTime())) invalid("The clock gave an invalid date.");
  return {
    receipt,
    receiptVersion: input.receipt.version,
    // Later versions' fields go into the attachment exactly as given.
    receiptJson: serializeReceipt(input.receipt as ReceiptV1),
    revoked: status.state === "revoked" ? { reason: status.reason, revokedAt: status.revokedAt } : undefined,
    documentName,
    organisation: {
      name: input.organisation?.name?.trim() ? input.organisation.name : undefined,
      address: getAddress(address),
    },
    timeZone,
    verifyUrl,
    createdAt,
  };
}

/** Type sizes and spacing; the compact style is for names so long that the regular one needs a second page. */
interface Style {
  body: number;
  value: number;
  name: number;
  rowPadding: number;
  /** The introductory paragraph and the explanatory notes under values. */
  explanations: boolean;
}

const REGULAR: Style = { body: 9.5, value: 10, name: 10.5, rowPadding: 3.75, explanations: true };
const COMPACT: Style = { body: 8.5, value: 9, name: 8.5, rowPadding: 2.5, explanations: false };

async function compose(facts: CertificateFacts, fontFiles: CertificateFonts, style: Style): Promise<PDFDocument> {
  const { receipt, revoked, timeZone, verifyUrl, createdAt } = facts;
  const document = await PDFDocument.create({ updateMetadata: false });
  const fonts = await embedFonts(document, fontFiles, receipt.sha256);
  const covered = (font: PDFFont) => (codePoint: number) => fonts.covers.get(font)!.has(codePoint);
  const mono = (text: string, size = 8.5, color = INK): Run => ({ text, font: fonts.mono, size, color });
  const plain = (text: string, size = style.body, color = INK): Run => ({ text, font: fonts.regular, size, color });
  const note = (text: string): Run => ({ text, font: fonts.regular, size: 7.5, color: MUTED, gapBefore: 1.5 });
  const explanation = (text: string): Run[] => (style.explanations ? [note(text)] : []);

  const anchoredUtc = utcTime(receipt.timestamp);
  const reasonName = revoked && `${revocationReasonName(revoked.reason)} (reason code ${revoked.reason})`;

  document.setTitle(`Certificate of notarization: SHA-256 ${receipt.sha256}`, { showInWindowTitleBar: true });
  document.setSubject(
    `The document with SHA-256 ${receipt.sha256}, anchored on chain ${receipt.chainId} in block ${receipt.blockNumber}` +
      (revoked ? `; revoked: ${reasonName}.` : "."),
  );
  document.setKeywords(["Docproof", "notarization", `sha256:${receipt.sha256}`]);
  document.setCreator("Docproof");
  document.setProducer("Docproof with pdf-lib");
  document.setLanguage("en");
  document.setCreationDate(createdAt);
  document.setModificationDate(createdAt);

  const flow = new PageFlow(document, style.rowPadding);

  // Heading.
  const issued = `Issued ${utcTime(Math.floor(createdAt.getTime() / 1000))}`;
  flow.page.drawText("DOCPROOF", { x: MARGIN_X, y: flow.y - 9, size: 9.5, font: fonts.bold, color: ACCENT });
  flow.page.drawText(issued, {
    x: MARGIN_X + CONTENT_WIDTH - fonts.regular.widthOfTextAtSize(issued, 8),
    y: flow.y - 9,
    size: 8,
    font: fonts.regular,
    color: MUTED,
  });
  flow.y -= 18;
  flow.block([{ text: "Certificate of notarization", font: fonts.bold, size: 22, color: INK }], { after: 4 });
  if (style.explanations) {
    flow.block(
      [
        plain(
          "The document with the SHA-256 fingerprint below was anchored in a Docproof registry on a blockchain. " +
            "Any change to the file, however small, changes its fingerprint.",
          style.body,
          MUTED,
        ),
      ],
      { after: 4 },
    );
  }
  flow.y -= 8;

  // Status.
  const tone = revoked ? REVOKED : ANCHORED;
  const statusRuns: Run[] = revoked
    ? [
        { text: "REVOKED", font: fonts.bold, size: 13, color: tone.ink },
        plain(
          `This notarization was revoked${revoked.revokedAt === undefined ? "" : ` on ${utcTime(revoked.revokedAt)}`}: ` +
            `${reasonName}. The document was anchored on ${anchoredUtc}, but the organisation no longer vouches for it.`,
          style.body,
          tone.ink,
        ),
      ]
    : [
        { text: "ANCHORED", font: fonts.bold, size: 13, color: tone.ink },
        plain(
          `The registry on chain ${receipt.chainId} has held this document's fingerprint since ${anchoredUtc}, ` +
            "vouched for by the organisation below and not revoked when this certificate was issued.",
          style.body,
          tone.ink,
        ),
      ];
  const statusLayout = layoutRuns(statusRuns, CONTENT_WIDTH - 28);
  const statusHeight = statusLayout.height + 18;
  flow.reserve(statusHeight);
  flow.page.drawRectangle({
    x: MARGIN_X,
    y: flow.y - statusHeight,
    width: CONTENT_WIDTH,
    height: statusHeight,
    color: tone.fill,
  });
  flow.page.drawRectangle({ x: MARGIN_X, y: flow.y - statusHeight, width: 4, height: statusHeight, color: tone.ink });
  drawLines(flow.page, statusLayout.lines, MARGIN_X + 16, flow.y - 9);
  flow.y -= statusHeight + 10;

  // Facts.
  flow.rule();
  const documentRuns: Run[] = [];
  if (facts.documentName === undefined) {
    documentRuns.push(plain("Not given: this certificate identifies the document by its fingerprint only.", 9, MUTED));
  } else {
    const shown = printableText(facts.documentName, {
      subject: "The document name",
      maxLength: DOCUMENT_NAME_MAX_LENGTH,
      covers: covered(fonts.regular),
    });
    documentRuns.push(plain(shown.text, style.name), ...shown.notes.map(note));
  }
  flow.row("Document", documentRuns, fonts);
  flow.row("SHA-256", [mono(receipt.sha256, 9)], fonts);

  const organisation = facts.organisation;
  if (organisation.name === undefined) {
    flow.row(
      "Organisation",
      [mono(organisation.address, 9), note("No organisation name is registered on chain.")],
      fonts,
    );
  } else {
    const shown = printableText(organisation.name, {
      subject: "The organisation's name",
      maxLength: ORGANISATION_NAME_MAX_LENGTH,
      covers: covered(fonts.bold),
    });
    flow.row(
      "Organisation",
      [
        { text: shown.text, font: fonts.bold, size: style.name, color: INK },
        ...shown.notes.map(note),
        { ...mono(organisation.address), gapBefore: 1 },
        ...explanation("The name is as the organisation registered it on chain; the address is what the chain proves."),
      ],
      fonts,
    );
  }
  flow.row("Anchored (UTC)", [plain(anchoredUtc, style.value)], fonts);
  if (timeZone !== "UTC") {
    flow.row(`Anchored (${timeZone})`, [plain(timeInZone(receipt.timestamp, timeZone), style.value)], fonts);
  }
  if (revoked) {
    flow.row(
      "Revoked",
      [
        plain(revoked.revokedAt === undefined ? "Yes" : utcTime(revoked.revokedAt), style.value, REVOKED.ink),
        ...(revoked.revokedAt !== undefined && timeZone !== "UTC"
          ? [plain(timeInZone(revoked.revokedAt, timeZone), style.value, REVOKED.ink)]
          : []),
        plain(`Reason: ${reasonName}`, style.value, REVOKED.ink),
      ],
      fonts,
    );
  }
  flow.row(
    "Block",
    [plain(`${receipt.blockNumber}`, style.value), note(`Block time ${receipt.timestamp} (Unix seconds)`)],
    fonts,
  );
  flow.row("Transaction", [mono(receipt.txHash)], fonts);
  flow.row("Chain id", [plain(`${receipt.chainId}`, style.value)], fonts);
  flow.row("Registry", [mono(receipt.registry)], fonts);
  if (receipt.registrar !== organisation.address) {
    flow.row(
      "Registrar",
      [mono(receipt.registrar), ...explanation("The account that sent the anchoring transaction.")],
      fonts,
    );
  }
  flow.row(
    "Merkle root",
    [
      mono(receipt.merkleRoot),
      note(
        `Root of a batch of ${receipt.leafCount} document${receipt.leafCount === 1 ? "" : "s"}; ` +
          `the proof (${receipt.proof.length} hash${receipt.proof.length === 1 ? "" : "es"}) is in ${RECEIPT_ATTACHMENT_NAME}.`,
      ),
    ],
    fonts,
  );
  flow.row(
    "Receipt",
    [
      plain(`${RECEIPT_ATTACHMENT_NAME}, attached to this PDF (receipt version ${facts.receiptVersion})`, style.value),
      ...explanation(
        "Your PDF viewer lists it among the attachments; pdfdetach -save 1 certificate.pdf writes it out.",
      ),
    ],
    fonts,
  );
  flow.y -= 14;

  // How to check it, beside the QR code.
  const qr = verifyUrl === undefined ? undefined : qrSymbol(verifyUrl);
  const stepsWidth = qr ? CONTENT_WIDTH - QR_COLUMN - 8 : CONTENT_WIDTH;
  const stepSize = Math.min(style.body, 9);
  const step = (text: string): Run => ({ ...plain(text, stepSize), gapBefore: 4 });
  const command = (text: string): Run => ({ ...mono(text, 8.5, ACCENT), gapBefore: 1.5 });
  const steps = layoutRuns(
    [
      { text: "How to check it without this service", font: fonts.bold, size: 11.5, color: INK },
      step("1. Hash the document and compare the result with the SHA-256 above:"),
      command("sha256sum <file>"),
      step("2. Check the attached receipt against any node of the chain with the Docproof command-line tool:"),
      command("docproof verify <file> --certificate certificate.pdf --rpc <url>"),
      step("3. Or, without Docproof software, call the registry above on any node:"),
      command("registry.verify(digest, root, proof)"),
      plain(
        `digest: 0x and the SHA-256; root: the Merkle root; proof: from ${RECEIPT_ATTACHMENT_NAME}. ` +
          "It answers Anchored or Revoked, with the block time and registrar.",
        stepSize,
      ),
    ],
    stepsWidth,
  );
  const qrCaption = verifyUrl
    ? layoutRuns([plain("Scan to verify online", 8, MUTED), mono(verifyUrl, 6.5, MUTED)], QR_COLUMN)
    : undefined;
  if (qrCaption && qrCaption.lines.length > QR_CAPTION_LINES) {
    // The QR code and the link carry the whole URL; the caption shows its start.
    qrCaption.lines.length = QR_CAPTION_LINES;
    const last = qrCaption.lines[QR_CAPTION_LINES - 1];
    last.text = `${last.text.slice(0, -1)}…`;
    qrCaption.height = last.top + last.height;
  }
  const bottomHeight = Math.max(steps.height, qrCaption ? QR_SIZE + 4 + qrCaption.height : 0);
  flow.reserve(bottomHeight);
  drawLines(flow.page, steps.lines, MARGIN_X, flow.y);
  if (qr && qrCaption && verifyUrl) {
    const left = MARGIN_X + CONTENT_WIDTH - QR_COLUMN;
    const scale = QR_SIZE / (qr.modules + 2 * QR_QUIET_ZONE);
    const qrLeft = left + (QR_COLUMN - QR_SIZE) / 2;
    flow.page.drawRectangle({ x: qrLeft, y: flow.y - QR_SIZE, width: QR_SIZE, height: QR_SIZE, color: rgb(1, 1, 1) });
    flow.page.drawSvgPath(qr.path, {
      x: qrLeft + QR_QUIET_ZONE * scale,
      y: flow.y - QR_QUIET_ZONE * scale,
      scale,
      color: rgb(0, 0, 0),
    });
    drawLines(flow.page, qrCaption.lines, left, flow.y - QR_SIZE - 4);
    addLink(document, flow.page, verifyUrl, [left, flow.y - QR_SIZE - 4 - qrCaption.height, left + QR_COLUMN, flow.y]);
  }
  flow.y -= bottomHeight;

  // Footers, once the number of pages is known.
  const footer = `Docproof certificate for SHA-256 ${receipt.sha256}`;
  flow.pages.forEach((page, index) => {
    page.drawLine({
      start: { x: MARGIN_X, y: FOOTER_Y + 12 },
      end: { x: MARGIN_X + CONTENT_WIDTH, y: FOOTER_Y + 12 },
      thickness: 0.5,
      color: RULE,
    });
    page.drawText(footer, { x: MARGIN_X, y: FOOTER_Y, size: 7, font: fonts.regular, color: MUTED });
    const pageText = `Page ${index + 1} of ${flow.pages.length}`;
    page.drawText(pageText, {
      x: MARGIN_X + CONTENT_WIDTH - fonts.regular.widthOfTextAtSize(pageText, 7),
      y: FOOTER_Y,
      size: 7,
      font: fonts.regular,
      color: MUTED,
    });
  });

  await attachReceipt(document, facts.receiptJson, createdAt);
  // Viewers that honour it open the attachments panel, so the receipt is in plain sight.
  document.catalog.set(PDFName.of("PageMode"), PDFName.of("UseAttachments"));
  return document;
}

/**
 * Renders the certificate: one A4 page, or two when names at their length limits in the widest
 * letters leave no room even in the compact style. Throws `certificate-time-zone-unknown` and
 * `certificate-input-invalid` (CertificateError) for bad input, and `receipt-malformed` and
 * `receipt-tampered` (DocproofError) for a receipt that is not a consistent Docproof receipt.
 */
export async function renderCertificatePdf(
  input: CertificateInput,
  dependencies: CertificateDependencies,
): Promise<Uint8Array> {
  const facts = checkedFacts(input, dependencies.now());
  let document = await compose(facts, dependencies.fonts, REGULAR);
  if (document.getPageCount() > 1) document = await compose(facts, dependencies.fonts, COMPACT);
  return document.save();
}
