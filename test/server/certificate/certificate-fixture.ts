/** Receipts to certify, and poppler's command-line tools as judges of the PDFs made from them. */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseSha256, toBytes32, type Sha256Hex } from "../../../server/proof/digest";
import { buildBatch } from "../../../server/proof/merkle";
import { buildReceipt, type ReceiptV1 } from "../../../server/proof/receipt";
import { ROOT } from "../../support/processes";

export const ARTIFACTS = path.join(ROOT, "test-artifacts", "certificate");

export const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
export const REGISTRAR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
export const ORGANISATION = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
/** 2024-03-14 15:09:26 UTC: Berlin is on winter time (UTC+01:00). */
export const ANCHORED_AT = 1_710_428_966;
export const ISSUED_AT = new Date("2025-01-02T03:04:05Z");

export function sha256Of(text: string): Sha256Hex {
  return parseSha256(createHash("sha256").update(text).digest("hex"));
}

/** The receipt of one document in a real batch of `leafCount`, as the service would issue it. */
export function batchReceipt(leafCount = 12, member = 3): ReceiptV1 {
  const digests = Array.from({ length: leafCount }, (_, i) => sha256Of(`document ${i} of ${leafCount}`));
  const batch = buildBatch(digests.map(toBytes32));
  return buildReceipt(digests[member], batch.proofOf(toBytes32(digests[member])), {
    merkleRoot: batch.root,
    leafCount,
    chainId: 31337,
    registry: REGISTRY,
    txHash: `0x${createHash("sha256").update("anchoring transaction").digest("hex")}`,
    blockNumber: 1_234_567,
    timestamp: ANCHORED_AT,
    registrar: REGISTRAR,
  });
}

/** A scratch directory holding the PDF under test, where poppler's tools read and write. */
export class PdfScratch {
  readonly dir = mkdtempSync(path.join(tmpdir(), "docproof-certificate-"));

  write(name: string, bytes: Uint8Array): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, bytes);
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function run(tool: string, args: readonly string[]): string {
  return execFileSync(tool, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** The text as `pdftotext` extracts it, in reading order. */
export function pdfText(file: string): string {
  return run("pdftotext", ["-enc", "UTF-8", file, "-"]);
}

/** Whitespace runs (line breaks of wrapped text) as single spaces, for comparing wrapped text. */
export function flattened(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** `pdfinfo`'s fields, by name. */
export function pdfInfo(file: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of run("pdfinfo", ["-isodates", file]).split("\n")) {
    const match = /^([^:]+):\s*(.*)$/.exec(line);
    if (match) fields.set(match[1], match[2]);
  }
  return fields;
}

/** The URLs of the links on the pages, as `pdfinfo -url` lists them. */
export function pdfLinks(file: string): string[] {
  return run("pdfinfo", ["-url", file])
    .split("\n")
    .slice(1)
    .filter((line) => line.trim() !== "")
    .map((line) => line.trim().split(/\s+/).slice(2).join(" "));
}

export function pdfAttachments(file: string): string {
  return run("pdfdetach", ["-list", file]);
}

/** The bytes of attachment `number` (from 1), as `pdfdetach -save` writes them. */
export function pdfAttachment(file: string, number: number): Buffer {
  const out = path.join(path.dirname(file), `attachment-${number}`);
  run("pdfdetach", ["-save", String(number), "-o", out, file]);
  return readFileSync(out);
}

/** `pdffonts`' table rows: name, type, encoding, embedded, subset, unicode map. */
export function pdfFonts(file: string): { name: string; embedded: boolean; subset: boolean; unicode: boolean }[] {
  return run("pdffonts", [file])
    .split("\n")
    .slice(2)
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const columns = line.trim().split(/\s+/);
      const [embedded, subset, unicode] = columns.slice(-5, -2).map((flag) => flag === "yes");
      return { name: columns[0], embedded, subset, unicode };
    });
}

/** Renders page 1 with `pdftoppm -png` at `dpi`; returns the PNG's path. */
export function renderPage(file: string, dpi: number): string {
  const prefix = path.join(path.dirname(file), `page-${dpi}`);
  run("pdftoppm", ["-png", "-r", String(dpi), "-f", "1", "-l", "1", "-singlefile", file, prefix]);
  return `${prefix}.png`;
}

/** Page 1 in grey at `dpi` (`pdftoppm -gray`, a binary PGM), as RGBA pixels. */
export function pagePixels(file: string, dpi: number): { data: Uint8ClampedArray; width: number; height: number } {
  const prefix = path.join(path.dirname(file), `grey-${dpi}`);
  run("pdftoppm", ["-gray", "-r", String(dpi), "-f", "1", "-l", "1", "-singlefile", file, prefix]);
  const pgm = readFileSync(`${prefix}.pgm`);
  // Header: "P5", width, height, maximum value, each followed by one whitespace byte.
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 64).toString("latin1"));
  if (header === null || header[3] !== "255") throw new Error("pdftoppm wrote an unexpected PGM header");
  const width = Number(header[1]);
  const height = Number(header[2]);
  const grey = pgm.subarray(header[0].length);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data.set([grey[i], grey[i], grey[i], 255], i * 4);
  }
  return { data, width, height };
}

/** Copies a rendered page under test-artifacts/certificate/ for a person to look at. */
export function keepArtifact(png: string, name: string): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, name), readFileSync(png));
}

/** The wall-clock time of `unixSeconds` in `zone` by the system's tz database (GNU date), not Node's ICU. */
export function systemZonedTime(unixSeconds: number, zone: string): string {
  return execFileSync("date", ["-d", `@${unixSeconds}`, "+%Y-%m-%d %H:%M:%S UTC%:z"], {
    encoding: "utf8",
    env: { ...process.env, TZ: zone },
  }).trim();
}
