import { expect } from "chai";
import { createLogger } from "../../server/logger";

describe("createLogger", function () {
  it("writes one JSON object per line with level, message and fields", function () {
    const lines: string[] = [];
    createLogger({ destination: (line) => lines.push(line) }).info({ documents: 3, gas: 10n }, "batch anchored");
    const entry = JSON.parse(lines[0]);
    expect(entry).to.include({ level: "info", message: "batch anchored", documents: 3, gas: "10" });
    expect(Date.parse(entry.time)).to.not.be.NaN;
  });

  it("redacts secrets wherever they appear, including in error causes", function () {
    const secret = `0x${"ab".repeat(32)}`;
    const lines: string[] = [];
    const log = createLogger({ destination: (line) => lines.push(line), secrets: [secret] });
    const cause = new Error(`signing with ${secret} failed`);
    log.error({ error: new Error("outer", { cause }), note: secret.toUpperCase() + secret }, `key ${secret}`);
    expect(lines[0]).to.not.include(secret);
    expect(lines[0]).to.include("[redacted]");
    expect(JSON.parse(lines[0]).error.cause.message).to.equal("signing with [redacted] failed");
  });
});
