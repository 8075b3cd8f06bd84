import { expect } from "chai";
import * as asn1js from "asn1js";
import { EncodedValue, parseDer } from "../../../server/timestamp/der";

describe("der", function () {
  describe("EncodedValue", function () {
    const inner = () =>
      new asn1js.Sequence({
        value: [new asn1js.ObjectIdentifier({ value: "1.2.840.113549.1.9.3" }), new asn1js.Integer({ value: 300 })],
      });
    const innerDer = new Uint8Array(inner().toBER());

    it("is written as its bytes inside a larger value, as the value itself would be", function () {
      const around = (value: asn1js.AsnType) =>
        Buffer.from(
          new asn1js.Sequence({ value: [new asn1js.Boolean({ value: true }), value, new asn1js.Null()] }).toBER(),
        );
      const expected = around(inner());
      expect(around(new EncodedValue({ data: innerDer }) as unknown as asn1js.AsnType)).to.deep.equal(expected);
      expect(parseDer(expected).toBER()).to.deep.equal(expected.buffer.slice(0, expected.length));
    });

    it("is its bytes when encoded alone, and the same bytes each time", function () {
      const value = new EncodedValue({ data: innerDer });
      for (let i = 0; i < 2; i++) expect(new Uint8Array(value.toBER())).to.deep.equal(innerDer);
    });
  });
});
