import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isStorageFailure, DocumentStore } from "../../../server/store/document-store";
import { isDocproofError } from "../../../server/errors";

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe("DocumentStore", function () {
  describe("isStorageFailure", function () {
    it("recognises a full, read-only or failing disk", function () {
      for (const code of [
        "SQLITE_FULL",
        "SQLITE_READONLY",
        "SQLITE_READONLY_DBMOVED",
        "SQLITE_IOERR",
        "SQLITE_IOERR_WRITE",
        "SQLITE_CANTOPEN",
        "SQLITE_BUSY",
        "ENOSPC",
        "EROFS",
        "EACCES",
      ]) {
        expect(isStorageFailure(withCode(code)), code).to.equal(true);
      }
    });

    it("leaves other failures alone", function () {
      for (const error of [withCode("SQLITE_CONSTRAINT_UNIQUE"), withCode("SQLITE_ERROR"), new TypeError("x"), null]) {
        expect(isStorageFailure(error), String(error)).to.equal(false);
      }
    });
  });

  describe("open", function () {
    it("answers store-unavailable for a data directory that cannot be created", function () {
      const dir = mkdtempSync(path.join(tmpdir(), "docproof-store-"));
      try {
        // A regular file where the directory should be: ENOTDIR on every platform and for root too.
        const store = DocumentStore.open(dir);
        store.close();
        const error = (() => {
          try {
            DocumentStore.open(path.join(dir, "docproof.sqlite", "below"));
          } catch (e) {
            return e;
          }
        })();
        expect(isDocproofError(error, "store-unavailable"), String(error)).to.equal(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
