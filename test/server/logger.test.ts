import { expect } from "chai";
import { createLogger } from "../../server/logger";

describe("createLogger", function () {
  it("writes one JSON object per line with level, message and fields", function () {
    const lines: string[] = [];
    createLogger((line) => lines.push(line)).info("batch anchored", { documents: 3, gas: 10n });
    const entry = JSON.parse(lines[0]);
    expect(entry).to.include({ level: "info", message: "batch anchored", documents: 3, gas: "10" });
    expect(Date.parse(entry.time)).to.not.be.NaN;
  });

  it("redacts secrets wherever they appear, including in error causes", function () {
    const secret = `0x${"ab".repeat(32)}`;
    const lines: string[] = [];
    const log = createLogger((line) => lines.push(line), [secret]);
    const cause = new Error(`signing with ${secret} failed`);
    log.error(`key ${secret}`, { error: new Error("outer", { cause }), note: secret.toUpperCase() + secret });
    expect(lines[0]).to.not.include(secret);
    expect(lines[0]).to.include("[redacted]");
    expect(JSON.parse(lines[0]).error.cause.message).to.equal("signing with [redacted] failed");
  });
});
