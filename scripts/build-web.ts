/**
 * Builds the page into server/web/dist: the TypeScript bundled with esbuild (hash-wasm and the QR
 * encoder included, so nothing is fetched from a CDN) and the static files copied beside it.
 */
import { build } from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";

const WEB = path.resolve(__dirname, "..", "server", "web");
const OUT = path.join(WEB, "dist");

async function main() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  cpSync(path.join(WEB, "static"), OUT, { recursive: true });
  await build({
    entryPoints: { app: path.join(WEB, "src", "main.ts"), "hash-worker": path.join(WEB, "src", "hash-worker.ts") },
    outdir: OUT,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["es2022"],
    minify: true,
    sourcemap: true,
    legalComments: "linked",
    logLevel: "warning",
  });
  console.log(`page built in ${path.relative(process.cwd(), OUT) || OUT}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
