import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The folder of Docproof's package.json: the repository root when run from source, the installed
 * package's folder when run from the build (`dist/`), found by walking up from this file.
 */
export const PACKAGE_ROOT = (() => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "docproof") {
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`No docproof package.json above ${__dirname}.`);
  }
})();

/** Docproof's version, as package.json states it: what the service, the API and the CLI report. */
export const SERVICE_VERSION: string = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }
).version;
