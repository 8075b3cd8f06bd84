#!/usr/bin/env node
// The `docproof` command. An installed package runs the compiled JavaScript in dist/ (`npm run
// build`, run by `npm pack`). A checkout runs the TypeScript in server/cli/ through ts-node
// (transpile-only: `npm run lint` type-checks it), so the command never runs a stale build there.
const { existsSync } = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const source = path.join(root, "server", "cli", "main.ts");
if (existsSync(source)) {
  require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
  require(source).main();
} else {
  require(path.join(root, "dist", "server", "cli", "main.js")).main();
}
