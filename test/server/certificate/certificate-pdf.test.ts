import { expect } from "chai";
import { statSync } from "node:fs";
import jsQR from "jsqr";
import { PDFDocument } from "pdf-lib";
import {
  DOCUMENT_NAME_MAX_LENGTH,
  ORGANISATION_NAME_MAX_LENGTH,
  renderCertificatePdf,
  type CertificateInput,
} from "../../../server/certificate/certificate-pdf";
import { isCertificateError } from "../../../server/certificate/certificate-error";
import { loadDejaVuFonts } from "../../../server/certificate/dejavu-fonts";
import { readReceiptFromCertificate } from "../../../server/certificate/receipt-attachment";
import { isDocproofError } from "../../../server/errors";
import { parseReceipt, serializeReceipt } from "../../../server/proof/receipt";
import {
  ANCHORED_AT,
  ISSUED_AT,
  ORGANISATION,
  PdfScratch,
  batchReceipt,
  flattened,
  keepArtifact,
  pagePixels,
  pdfAttachment,
  pdfAttachments,
  pdfFonts,
  pdfInfo,
  pdfLinks,
  pdfText,
  renderPage,
  systemZonedTime,
} from "./certificate-fixture";

const fonts = loadDejaVuFonts();
const dependencies = { fonts, now: () => ISSUED_AT };
const receipt = batchReceipt();
const verifyUrl = `http://127.0.0.1:3000/#verify=${receipt.sha256}`;

function anchoredInput(overrides: Partial<CertificateInput> = {}): CertificateInput {
  return {
    receipt,
    status: { state: "anchored" },
    documentName: "Supply contract 2024-03.pdf",
    organisation: { name: "Example Notary Ltd", address: ORGANISATION },
    timeZone: "Europe/Berlin",
    verifyUrl,
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("certificate-pdf", function () {
  const scratch = new PdfScratch();

  after(function () {
    scratch.remove();
  });

  describe("renderCertificatePdf", function () {
    describe("when the document is anchored", function () {
      let pdf: Uint8Array;
      let file: string;

      before(async function () {
        pdf = await renderCertificatePdf(anchoredInput(), dependencies);
        file = scratch.write("anchored.pdf", pdf);
      });

      it("states the organisation, fingerprint, block, transaction and chain as pdftotext reads them", function () {
        const text = pdfText(file);
        for (const fact of [
          "Certificate of notarization",
          "ANCHORED",
          "Example Notary Ltd",
          ORGANISATION,
          receipt.sha256,
          String(receipt.blockNumber),
          receipt.txHash,
          receipt.merkleRoot,
          receipt.registry,
          String(receipt.chainId),
          "Supply contract 2024-03.pdf",
        ]) {
          expect(text, fact).to.include(fact);
        }
        expect(text).not.to.include("REVOKED");
      });

      it("gives the block time in UTC and in the chosen zone, named, as the system's tz database has it", function () {
        const text = pdfText(file);
        const utc = systemZonedTime(ANCHORED_AT, "UTC").replace(" UTC+00:00", "");
        const berlin = systemZonedTime(ANCHORED_AT, "Europe/Berlin");
        const [berlinTime, berlinOffset] = [berlin.slice(0, 19), berlin.slice(20)];
        expect(text).to.include(`${utc} UTC`);
        expect(text).to.include(`${berlinTime} Europe/Berlin (${berlinOffset})`);
        expect(berlinOffset).to.equal("UTC+01:00");
      });

      it("attaches receipt.json, which pdfdetach lists and saves byte for byte as the service serves it", function () {
        expect(pdfAttachments(file)).to.match(/^1 embedded files\n1: receipt\.json\n$/);
        expect(pdfAttachment(file, 1).equals(Buffer.from(serializeReceipt(receipt)))).to.equal(true);
      });

      it("records title, subject, creator, keywords and creation date, as pdfinfo reads them", function () {
        const info = pdfInfo(file);
        expect(info.get("Title")).to.include(receipt.sha256);
        expect(info.get("Subject")).to.include(receipt.sha256);
        expect(info.get("Creator")).to.equal("Docproof");
        expect(info.get("Keywords")).to.include(`sha256:${receipt.sha256}`);
        expect(new Date(info.get("CreationDate")!).toISOString()).to.equal(ISSUED_AT.toISOString());
        expect(info.get("Pages")).to.equal("1");
        expect(info.get("Page size")).to.match(/^595\.2\d? x 841\.8\d? pts \(A4\)/);
      });

      it("embeds its fonts as subsets with Unicode maps", function () {
        const embedded = pdfFonts(file);
        expect(embedded.map((font) => font.name.replace(/^[A-Z]{6}\+/, "")).sort()).to.deep.equal([
          "DejaVuSans",
          "DejaVuSans-Bold",
          "DejaVuSansMono",
        ]);
        for (const font of embedded) {
          expect(font, font.name).to.include({ embedded: true, subset: true, unicode: true });
          expect(font.name).to.match(/^[A-Z]{6}\+/);
        }
        // Whole, the three fonts are 1.8 MB.
        expect(pdf.length).to.be.below(100_000);
      });

      it("renders a page that pdftoppm draws, saved under test-artifacts/certificate/", function () {
        const png = renderPage(file, 50);
        // A blank A4 page at 50 dpi compresses to well under 2 KB; text, rules and the QR code do not.
        expect(statSync(png).size).to.be.above(10_000);
        keepArtifact(png, "anchored.png");
        keepArtifact(renderPage(file, 100), "anchored-100dpi.png");
      });

      it("draws a QR code that a QR reader decodes to the verify URL", function () {
        const { data, width, height } = pagePixels(file, 150);
        expect(jsQR(data, width, height)?.data).to.equal(verifyUrl);
      });

      it("links the QR code to the verify URL, as pdfinfo lists the page's links", async function () {
        expect(pdfLinks(file)).to.deep.equal([verifyUrl]);
        // Characters that end or escape a PDF literal string stay inside the link.
        const awkward = "https://verify.example/(docs)/#verify=)\\(";
        const linked = scratch.write(
          "awkward-url.pdf",
          await renderCertificatePdf(anchoredInput({ verifyUrl: awkward }), dependencies),
        );
        expect(pdfLinks(linked)).to.deep.equal([new URL(awkward).href]);
        expect(new URL(awkward).href).to.include(")\\(");
      });

      it("makes identical bytes for equal input and clock", async function () {
        const again = await renderCertificatePdf(anchoredInput(), dependencies);
        expect(Buffer.from(again).equals(Buffer.from(pdf))).to.equal(true);
      });

      it("renders certificates side by side exactly as one by one, though they share parsed fonts", async function () {
        const inputs = ["Банк Тест", "Ελληνική Τράπεζα", "Example Notary Ltd", "Զարմանալի Բանկ"].map((name, i) =>
          anchoredInput({ organisation: { name, address: ORGANISATION }, documentName: `document ${i}.pdf` }),
        );
        const together = await Promise.all(inputs.map((input) => renderCertificatePdf(input, dependencies)));
        for (const [i, input] of inputs.entries()) {
          const alone = await renderCertificatePdf(input, dependencies);
          expect(Buffer.from(together[i]).equals(Buffer.from(alone)), String(i)).to.equal(true);
        }
      });
    });

    describe("when the document is revoked", function () {
      let file: string;

      before(async function () {
        const pdf = await renderCertificatePdf(
          anchoredInput({ status: { state: "revoked", reason: 2, revokedAt: ANCHORED_AT + 86_400 } }),
          dependencies,
        );
        file = scratch.write("revoked.pdf", pdf);
      });

      it("states the revocation with its reason and time in both zones", function () {
        const text = flattened(pdfText(file));
        expect(text).to.include("REVOKED");
        expect(text).to.include("withdrawn (reason code 2)");
        expect(text).to.include(`${systemZonedTime(ANCHORED_AT + 86_400, "UTC").slice(0, 19)} UTC`);
        expect(text).to.include(`${systemZonedTime(ANCHORED_AT + 86_400, "Europe/Berlin").slice(0, 19)} Europe/Berlin`);
        expect(pdfInfo(file).get("Subject")).to.include("revoked");
      });

      it("renders a page for a person to look at", function () {
        const png = renderPage(file, 50);
        expect(statSync(png).size).to.be.above(10_000);
        keepArtifact(png, "revoked.png");
      });
    });

    describe("when names come from outside", function () {
      it("prints markup as literal text", async function () {
        const file = scratch.write(
          "markup.pdf",
          await renderCertificatePdf(
            anchoredInput({
              documentName: `<img src=x onerror="alert(1)">.pdf`,
              organisation: { name: "<script>alert('x')</script>", address: ORGANISATION },
            }),
            dependencies,
          ),
        );
        const text = pdfText(file);
        expect(text).to.include("<script>alert('x')</script>");
        expect(text).to.include(`<img src=x onerror="alert(1)">.pdf`);
      });

      it("prints Cyrillic and Greek names as pdftotext reads them back", async function () {
        for (const [name, documentName] of [
          ["Банк Тест", "Договор поставки №42.pdf"],
          ["Ελληνική Τράπεζα", "Σύμβαση προμήθειας.pdf"],
        ]) {
          const file = scratch.write(
            "non-latin.pdf",
            await renderCertificatePdf(
              anchoredInput({ documentName, organisation: { name, address: ORGANISATION } }),
              dependencies,
            ),
          );
          const text = pdfText(file);
          expect(text).to.include(name);
          expect(text).to.include(documentName);
          if (name === "Банк Тест") keepArtifact(renderPage(file, 50), "cyrillic.png");
        }
      });

      it("replaces characters the font lacks or that hide text, and says which", async function () {
        const file = scratch.write(
          "unprintable.pdf",
          await renderCertificatePdf(
            anchoredInput({
              documentName: "invoice\u202Efdp.exe",
              organisation: { name: "中文银行 🧠 Bank", address: ORGANISATION },
            }),
            dependencies,
          ),
        );
        const text = flattened(pdfText(file));
        expect(text).to.include("\uFFFD\uFFFD\uFFFD\uFFFD \uFFFD Bank");
        expect(text).to.include("U+4E2D, U+6587, U+94F6, U+884C, U+1F9E0");
        expect(text).to.include("invoice\uFFFDfdp.exe");
        expect(text).to.include("control or invisible formatting characters");
        expect(text).to.include("U+202E");
      });

      it("fits names at their length limits in the widest letters on one page", async function () {
        const organisationName = "W".repeat(ORGANISATION_NAME_MAX_LENGTH);
        const documentName = "Ш".repeat(100) + " " + "W".repeat(DOCUMENT_NAME_MAX_LENGTH - 101);
        const file = scratch.write(
          "longest.pdf",
          await renderCertificatePdf(
            anchoredInput({
              status: { state: "revoked", reason: 1000, revokedAt: ANCHORED_AT + 60 },
              documentName,
              organisation: { name: organisationName, address: ORGANISATION },
              timeZone: "America/Argentina/ComodRivadavia",
              verifyUrl: `https://docproof.registry.example.org/documents/verify/#verify=${receipt.sha256}`,
            }),
            dependencies,
          ),
        );
        expect(pdfInfo(file).get("Pages")).to.equal("1");
        const text = pdfText(file);
        const unbroken = text.replace(/\s+/g, "");
        expect(unbroken).to.include(organisationName);
        expect(unbroken).to.include(documentName.replace(" ", ""));
        expect(unbroken).to.include(receipt.sha256);
        expect(text).to.include("consortium-defined (reason code 1000)");
        keepArtifact(renderPage(file, 50), "longest-names.png");
      });

      it("shortens an organisation name beyond the limit and says so", async function () {
        const name = `${"Long name ".repeat(7)}end`;
        const file = scratch.write(
          "too-long.pdf",
          await renderCertificatePdf(anchoredInput({ organisation: { name, address: ORGANISATION } }), dependencies),
        );
        const text = flattened(pdfText(file));
        expect(text).to.include(`${name.slice(0, ORGANISATION_NAME_MAX_LENGTH - 1)}…`);
        expect(text).not.to.include(name);
        expect(text).to.include(`has ${name.length} characters`);
      });

      it("shows the address alone when the organisation has no name", async function () {
        const file = scratch.write(
          "unnamed.pdf",
          await renderCertificatePdf(anchoredInput({ organisation: undefined, documentName: undefined }), dependencies),
        );
        const text = flattened(pdfText(file));
        expect(text).to.include(`Organisation ${receipt.registrar} No organisation name is registered on chain.`);
        expect(text).to.include("Not given: this certificate identifies the document by its fingerprint only.");
      });
    });

    describe("when the time zone is UTC", function () {
      it("states the time once, in UTC", async function () {
        const file = scratch.write(
          "utc.pdf",
          await renderCertificatePdf(anchoredInput({ timeZone: undefined }), dependencies),
        );
        const text = pdfText(file);
        expect(text).to.include(`Anchored (UTC)`);
        expect(text).not.to.match(/Anchored\s*\((?!UTC)/);
      });
    });

    describe("when the receipt has fields of a later version", function () {
      it("embeds them untouched and prints the version 1 facts", async function () {
        const later = {
          ...receipt,
          version: 2,
          evidence: { blockHeader: "0xf9021aa0", timestamps: [{ authority: "tsa.example", token: "MIIC…" }] },
        };
        const pdf = await renderCertificatePdf(anchoredInput({ receipt: later }), dependencies);
        const file = scratch.write("later.pdf", pdf);
        expect(pdfAttachment(file, 1).toString("utf8")).to.equal(`${JSON.stringify(later, null, 2)}\n`);
        expect(await readReceiptFromCertificate(pdf)).to.deep.equal(later);
        expect(pdfText(file)).to.include("receipt version 2");
      });
    });

    describe("when the input is wrong", function () {
      it("refuses a time zone that is not an IANA name", async function () {
        for (const timeZone of ["Mars/Olympus_Mons", "+01:00", "../../etc/passwd", "", "Europe/Berlin\n"]) {
          const error = await failure(renderCertificatePdf(anchoredInput({ timeZone }), dependencies));
          expect(isCertificateError(error, "certificate-time-zone-unknown"), `${timeZone}: ${error}`).to.equal(true);
        }
      });

      it("refuses a receipt whose proof does not lead to its root", async function () {
        const tampered = { ...receipt, proof: [receipt.proof[1], receipt.proof[0], ...receipt.proof.slice(2)] };
        const error = await failure(renderCertificatePdf(anchoredInput({ receipt: tampered }), dependencies));
        expect(isDocproofError(error, "receipt-tampered"), String(error)).to.equal(true);
      });

      it("refuses a receipt without the version 1 fields", async function () {
        const { txHash: _txHash, ...partial } = receipt;
        const error = await failure(
          renderCertificatePdf(anchoredInput({ receipt: partial as typeof receipt }), dependencies),
        );
        expect(isDocproofError(error, "receipt-malformed"), String(error)).to.equal(true);
      });

      it("refuses a document name beyond the limit, a verify URL that is not http(s) and a bad address", async function () {
        for (const overrides of [
          { documentName: "x".repeat(DOCUMENT_NAME_MAX_LENGTH + 1) },
          { verifyUrl: "javascript:alert(1)" },
          { verifyUrl: "not a url" },
          { organisation: { name: "X", address: "0x1234" } },
          { status: { state: "revoked", reason: -1 } } as const,
        ]) {
          const error = await failure(renderCertificatePdf(anchoredInput(overrides), dependencies));
          expect(isCertificateError(error, "certificate-input-invalid"), JSON.stringify(overrides)).to.equal(true);
        }
      });
    });
  });

  describe("readReceiptFromCertificate", function () {
    it("gives back the receipt the certificate was made from", async function () {
      const pdf = await renderCertificatePdf(anchoredInput(), dependencies);
      const read = await readReceiptFromCertificate(pdf);
      expect(read).to.deep.equal(receipt);
      expect(parseReceipt(read)).to.deep.equal(receipt);
    });

    it("answers certificate-unreadable for bytes that are not a PDF", async function () {
      const error = await failure(readReceiptFromCertificate(Buffer.from(serializeReceipt(receipt))));
      expect(isCertificateError(error, "certificate-unreadable"), String(error)).to.equal(true);
    });

    it("answers certificate-unreadable for a PDF header and trailer with nothing between", async function () {
      const error = await failure(readReceiptFromCertificate(Buffer.from("%PDF-1.4\n%%EOF\n")));
      expect(isCertificateError(error, "certificate-unreadable"), String(error)).to.equal(true);
    });

    it("answers certificate-receipt-missing for a PDF without receipt.json", async function () {
      const plain = await PDFDocument.create();
      plain.addPage();
      await plain.attach(Buffer.from("{}"), "other.json", { mimeType: "application/json" });
      const error = await failure(readReceiptFromCertificate(await plain.save()));
      expect(isCertificateError(error, "certificate-receipt-missing"), String(error)).to.equal(true);
    });

    it("answers certificate-receipt-corrupt for a receipt.json that is not JSON", async function () {
      const forged = await PDFDocument.create();
      forged.addPage();
      await forged.attach(Buffer.from("{ not json"), "receipt.json", { mimeType: "application/json" });
      const error = await failure(readReceiptFromCertificate(await forged.save()));
      expect(isCertificateError(error, "certificate-receipt-corrupt"), String(error)).to.equal(true);
    });
  });
});
