/**
 * Builds the page into server/web/dist: the TypeScript bundled with esbuild (hash-wasm and the QR
 * encoder included, so nothing is fetched from a CDN) and the static files copied beside it.
 */
import { build, type BuildOptions, type Plugin } from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";

const WEB = path.resolve(__dirname, "..", "server", "web");
const OUT = path.join(WEB, "dist");

/**
 * zod's classic API re-exports every locale's messages (about 250 kB minified) though it uses only
 * English: the page gets the English one alone.
 */
const englishZodOnly: Plugin = {
  name: "english-zod-only",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`)
        ? { path: "zod-locales", namespace: "english-zod-only" }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "english-zod-only" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: WEB,
    }));
  },
};

const common: BuildOptions = {
  bundle: true,
  platform: "browser",
  target: ["es2022"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
  plugins: [englishZodOnly],
};

async function main() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  cpSync(path.join(WEB, "static"), OUT, { recursive: true });
  // The page is a module whose verification core (the proof code, ethers and EthereumJS) is a chunk
  // of its own, loaded only when a receipt is checked in the browser.
  await build({
    ...common,
    entryPoints: { app: path.join(WEB, "src", "main.ts") },
    outdir: OUT,
    format: "esm",
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
  });
  await build({
    ...common,
    entryPoints: { "hash-worker": path.join(WEB, "src", "hash-worker.ts") },
    outdir: OUT,
    format: "iife",
  });
  console.log(`page built in ${path.relative(process.cwd(), OUT) || OUT}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
