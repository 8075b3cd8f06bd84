import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Which way the arrows run (see the README's layout): a folder may not import the folders listed
 * for it. The pure cores (proof/, timestamp/, api/, certificate/) import no adapter and do no I/O;
 * http/ talks to service/ only; service/ knows no transport; the CLI reaches the service only
 * through its HTTP API.
 */
const layers = {
  core: ["chain", "store", "service", "http", "cli", "tsa", "webhook"],
  chain: ["store", "service", "http", "cli"],
  store: ["chain", "service", "http", "cli"],
  tsa: ["chain", "store", "service", "http", "cli"],
  webhook: ["chain", "store", "service", "http", "cli", "tsa"],
  service: ["http", "cli", "webhook"],
  http: ["chain", "store", "cli", "tsa", "webhook"],
  cli: ["service", "http", "store", "webhook"],
};
const wiring = ["**/compose", "**/main", "**/config"];
const io = [
  "node:fs",
  "node:fs/promises",
  "fs",
  "node:net",
  "node:http",
  "node:child_process",
  "better-sqlite3",
  "express",
  "multer",
];

function boundary(files, forbidden, extra = []) {
  return {
    files,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ...forbidden.map((layer) => ({
              group: [`**/${layer}/*`, `../${layer}`],
              message: `This layer must not import server/${layer}/ (see the README's layout).`,
            })),
            { group: wiring, message: "Only the composition root wires the server." },
          ],
          paths: extra.map((name) => ({ name, message: "The pure core does no I/O and knows no framework." })),
        },
      ],
    },
  };
}

export default tseslint.config(
  {
    ignores: ["node_modules/", "artifacts/", "cache/", "typechain-types/", "coverage/", "**/dist/", "test-artifacts/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  boundary(["server/proof/**/*.ts", "server/timestamp/**/*.ts", "server/api/**/*.ts"], layers.core, io),
  boundary(["server/certificate/**/*.ts"], layers.core),
  boundary(["server/chain/**/*.ts"], layers.chain),
  boundary(["server/store/**/*.ts"], layers.store),
  boundary(["server/tsa/**/*.ts"], layers.tsa),
  boundary(["server/webhook/**/*.ts"], layers.webhook),
  boundary(["server/service/**/*.ts"], layers.service, ["ethers", "express", "multer", "better-sqlite3"]),
  boundary(["server/http/**/*.ts"], layers.http, ["ethers", "better-sqlite3"]),
  boundary(["server/cli/**/*.ts"], layers.cli),
  {
    // Only the composition roots (server/main.ts, and the CLI's server/cli/main.ts) read the environment.
    files: ["server/**/*.ts"],
    ignores: ["server/main.ts", "server/cli/main.ts", "server/web/**"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration in server/main.ts and pass it in." },
      ],
    },
  },
  {
    files: ["**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { module: "writable", require: "readonly", __dirname: "readonly" },
    },
    // CommonJS loads with require() by definition.
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // chai's `expect(x).to.be.true` style reads as an expression.
      "@typescript-eslint/no-unused-expressions": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
