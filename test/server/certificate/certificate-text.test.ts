import { expect } from "chai";
import { REPLACEMENT_CHARACTER, printableText, wrapText } from "../../../server/certificate/certificate-text";

const everything = () => true;
/** A monospaced measure: one unit per user-perceived character. */
const perCharacter = (text: string) => [...new Intl.Segmenter("en", { granularity: "grapheme" }).segment(text)].length;

describe("certificate-text", function () {
  describe("printableText", function () {
    it("leaves ordinary text in any script alone", function () {
      for (const name of ["Example Notary Ltd", "Банк Тест", "Ελληνική Τράπεζα", "<script>alert(1)</script>"]) {
        expect(printableText(name, { subject: "The name", maxLength: 64, covers: everything })).to.deep.equal({
          text: name,
          notes: [],
        });
      }
    });

    it("composes decomposed accents (NFC) and turns every kind of space into a plain one", function () {
      const shown = printableText("Cafe\u0301\u00A0Zu\u0308rich\u2003AG", {
        subject: "The name",
        maxLength: 64,
        covers: everything,
      });
      expect(shown).to.deep.equal({ text: "Café Zürich AG", notes: [] });
    });

    it("replaces controls, bidirectional overrides and zero-width characters, naming them", function () {
      const shown = printableText("a\u202Eb\u200Bc\nd\u0007", {
        subject: "The name",
        maxLength: 64,
        covers: everything,
      });
      expect(shown.text).to.equal(
        `a${REPLACEMENT_CHARACTER}b${REPLACEMENT_CHARACTER}c${REPLACEMENT_CHARACTER}d${REPLACEMENT_CHARACTER}`,
      );
      expect(shown.notes).to.have.length(1);
      expect(shown.notes[0]).to.include("U+202E, U+200B, U+000A, U+0007");
    });

    it("replaces characters the font lacks, naming at most eight", function () {
      const covers = (codePoint: number) => codePoint < 0x3000;
      const shown = printableText("Bank 一二三四五六七八九十", { subject: "The name", maxLength: 64, covers });
      expect(shown.text).to.equal(`Bank ${REPLACEMENT_CHARACTER.repeat(10)}`);
      expect(shown.notes[0]).to.include("U+4E00, U+4E8C, U+4E09, U+56DB, U+4E94, U+516D, U+4E03, U+516B and 2 more");
    });

    it("shortens text beyond the limit with an ellipsis, counting characters rather than UTF-16 units", function () {
      const name = "😀".repeat(70);
      const shown = printableText(name, { subject: "The name", maxLength: 64, covers: everything });
      expect(Array.from(shown.text)).to.have.length(64);
      expect(shown.text.endsWith("😀…")).to.equal(true);
      expect(shown.notes[0]).to.include("has 70 characters; the first 63 are shown");
      expect(printableText("😀".repeat(64), { subject: "The name", maxLength: 64, covers: everything }).notes).to.be
        .empty;
    });
  });

  describe("wrapText", function () {
    it("breaks at spaces, never past the width, and loses nothing", function () {
      const text = "the quick brown fox jumps over the lazy dog and keeps on running far away";
      const lines = wrapText(text, 20, perCharacter);
      expect(lines.join(" ")).to.equal(text);
      for (const line of lines) expect(perCharacter(line)).to.be.at.most(20);
      expect(lines.length).to.be.at.most(Math.ceil(perCharacter(text) / 20) + 2);
    });

    it("splits a long hex value across lines", function () {
      const hex = `0x${"0123456789abcdef".repeat(4)}`;
      const lines = wrapText(hex, 32, perCharacter);
      expect(lines).to.deep.equal([hex.slice(0, 32), hex.slice(32, 64), hex.slice(64)]);
    });

    it("keeps a letter and its combining marks together", function () {
      const word = "e\u0301".repeat(10);
      const lines = wrapText(word, 3, perCharacter);
      expect(lines.join("")).to.equal(word);
      for (const line of lines) expect(line.normalize("NFC")).to.match(/^é{1,3}$/);
    });
  });
});
