#!/usr/bin/env node
// The `docproof` command. The CLI is TypeScript (server/cli/); ts-node compiles it on load,
// transpile-only because `npm run lint` type-checks it and a command should start quickly.
const path = require("node:path");

const root = path.resolve(__dirname, "..");
require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
require(path.join(root, "server", "cli", "main.ts")).main();
