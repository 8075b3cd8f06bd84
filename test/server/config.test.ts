import { expect } from "chai";
import { batchesInFlightFor, batchSizeFor } from "../../server/compose";
import { loadConfig, loggedSecrets } from "../../server/config";

const KEY = `0x${"11".repeat(32)}`;

describe("loadConfig", function () {
  describe("when the environment is empty", function () {
    it("serves on 127.0.0.1:3000 against the local development chain", function () {
      const config = loadConfig({});
      expect(config).to.include({
        host: "127.0.0.1",
        port: 3000,
        batchIntervalMs: 1000,
        confirmations: 1,
        rpcTimeoutMs: 30_000,
      });
      expect(config.rpcUrl).to.equal(undefined);
      expect(config.batchMax, "sized to the chain at start").to.equal(undefined);
      expect(config.batchesInFlight, "sized to the chain at start").to.equal(undefined);
      expect(config.apiKeys).to.deep.equal([]);
      expect(config.apiKeysFile).to.equal(undefined);
      expect(config.rateLimits).to.deep.equal({ windowMs: 60_000, writes: 600, reads: 3_000 });
      expect(config.bodyTimeouts).to.deep.equal({ idleMs: 30_000, totalMs: 3_600_000 });
      expect(config.tsa).to.deep.equal({
        keyFile: undefined,
        certFile: undefined,
        policy: undefined,
        accuracyMs: 1_000,
        requiresKey: false,
      });
      expect(config.witness).to.equal(undefined);
    });
  });

  describe("when the TSA and the witness are configured", function () {
    it("parses their variables", function () {
      const config = loadConfig({
        TSA_KEY_FILE: "/etc/docproof/tsa.key.pem",
        TSA_CERT_FILE: "/etc/docproof/tsa.pem",
        TSA_POLICY: "1.2.3.4.1",
        TSA_ACCURACY_MS: "1500",
        TSA_REQUIRES_KEY: "true",
        API_KEYS: "first-key-0123456789",
        WITNESS_TSA_URL: "https://tsa.example/tsr",
        WITNESS_TSA_CA_FILE: "/etc/docproof/outside-ca.pem",
        WITNESS_TSA_CERT_FILE: "/etc/docproof/outside-tsa.pem",
        WITNESS_INTERVAL_MS: "600000",
      });
      expect(config.tsa).to.deep.equal({
        keyFile: "/etc/docproof/tsa.key.pem",
        certFile: "/etc/docproof/tsa.pem",
        policy: "1.2.3.4.1",
        accuracyMs: 1500,
        requiresKey: true,
      });
      expect(config.witness).to.deep.equal({
        url: "https://tsa.example/tsr",
        caFile: "/etc/docproof/outside-ca.pem",
        certFile: "/etc/docproof/outside-tsa.pem",
        intervalMs: 600_000,
      });
    });
  });

  describe("when values are set", function () {
    it("parses every variable", function () {
      const config = loadConfig({
        RPC_URL: "http://10.0.0.5:8545",
        PRIVATE_KEY: KEY,
        REGISTRY_ADDRESS: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        PORT: "8080",
        HOST: "0.0.0.0",
        DATA_DIR: "/var/lib/docproof",
        API_KEYS: "first-key-0123456789, second-key-0123456789",
        BATCH_INTERVAL_MS: "500",
        BATCH_MAX: "5000",
        CONFIRMATIONS: "3",
        RPC_TIMEOUT_MS: "5000",
        MAX_UPLOAD_BYTES: "1048576",
        API_KEYS_FILE: "/etc/docproof/api-keys",
        RATE_LIMIT_WINDOW_MS: "1000",
        RATE_LIMIT_WRITES: "0",
        RATE_LIMIT_READS: "50",
        BODY_IDLE_TIMEOUT_MS: "2000",
        BODY_TIMEOUT_MS: "90000",
      });
      expect(config).to.deep.include({
        rpcUrl: "http://10.0.0.5:8545",
        port: 8080,
        host: "0.0.0.0",
        apiKeys: ["first-key-0123456789", "second-key-0123456789"],
        batchMax: 5000,
        confirmations: 3,
        rpcTimeoutMs: 5000,
        apiKeysFile: "/etc/docproof/api-keys",
        rateLimits: { windowMs: 1000, writes: 0, reads: 50 },
        bodyTimeouts: { idleMs: 2000, totalMs: 90_000 },
      });
    });

    it("lets a keys file alone guard a public host", function () {
      expect(loadConfig({ HOST: "0.0.0.0", API_KEYS_FILE: "/etc/docproof/api-keys" }).host).to.equal("0.0.0.0");
    });
  });

  describe("certificates and notifications", function () {
    it("allows no webhook host, retries for three days, keeps finished deliveries 30 days, and has no public URL by default", function () {
      const config = loadConfig({});
      expect(config.publicUrl).to.equal(undefined);
      expect(config.webhooks).to.deep.include({
        allowedHosts: [],
        retryForMs: 259_200_000,
        backoffMs: 10_000,
        timeoutMs: 10_000,
        keepForMs: 2_592_000_000,
      });
    });

    it("reads PUBLIC_URL and the WEBHOOK_ variables", function () {
      const config = loadConfig({
        PUBLIC_URL: "https://notary.example/docproof/",
        WEBHOOK_ALLOWED_HOSTS: "hooks.example.com, *.bank-a.example, 10.20.0.0/16",
        WEBHOOK_RETRY_FOR_MS: "60000",
        WEBHOOK_BACKOFF_MS: "500",
        WEBHOOK_TIMEOUT_MS: "2000",
        WEBHOOK_KEEP_FOR_MS: "86400000",
      });
      expect(config.publicUrl).to.equal("https://notary.example/docproof/");
      expect(loadConfig({ PUBLIC_URL: "https://notary.example/docproof" }).publicUrl).to.equal(
        "https://notary.example/docproof/",
      );
      expect(config.webhooks.allowedHosts.map((entry) => entry.kind)).to.deep.equal(["name", "suffix", "network"]);
      expect(config.webhooks).to.deep.include({
        retryForMs: 60_000,
        backoffMs: 500,
        timeoutMs: 2_000,
        keepForMs: 86_400_000,
      });
    });
  });

  describe("when values are wrong", function () {
    const cases: [string, Record<string, string>, RegExp][] = [
      ["a port that is not a number", { PORT: "http" }, /PORT must be a positive integer, got "http"/],
      ["a port out of range", { PORT: "70000" }, /PORT must be at most 65535/],
      ["RPC_URL without PRIVATE_KEY", { RPC_URL: "http://127.0.0.1:8545" }, /PRIVATE_KEY is required with RPC_URL/],
      [
        "a malformed key",
        { RPC_URL: "http://127.0.0.1:8545", PRIVATE_KEY: "abc" },
        /PRIVATE_KEY must be a 0x-prefixed/,
      ],
      ["an RPC_URL that is not http", { RPC_URL: "ftp://x", PRIVATE_KEY: KEY }, /RPC_URL must be an http\(s\) URL/],
      ["a batch larger than the registry allows", { BATCH_MAX: "12001" }, /BATCH_MAX must be at most 12000/],
      ["a short API key", { API_KEYS: "short" }, /API_KEYS every key must have at least 16 characters/],
      ["a negative rate limit", { RATE_LIMIT_WRITES: "-1" }, /RATE_LIMIT_WRITES must be a non-negative integer/],
      ["a zero body idle timeout", { BODY_IDLE_TIMEOUT_MS: "0" }, /BODY_IDLE_TIMEOUT_MS must be a positive integer/],
      ["a public host without API keys", { HOST: "0.0.0.0" }, /HOST is 0\.0\.0\.0, not loopback: set API_KEYS/],
      ["a TSA key without its certificate", { TSA_KEY_FILE: "/k.pem" }, /TSA_CERT_FILE is required with the other/],
      ["a TSA certificate without its key", { TSA_CERT_FILE: "/c.pem" }, /TSA_KEY_FILE is required with the other/],
      ["a TSA policy that is not an OID", { TSA_POLICY: "docproof" }, /TSA_POLICY must be an object identifier/],
      ["a zero TSA accuracy", { TSA_ACCURACY_MS: "0" }, /TSA_ACCURACY_MS must be a positive integer/],
      ["TSA_REQUIRES_KEY other than true or false", { TSA_REQUIRES_KEY: "yes" }, /TSA_REQUIRES_KEY must be "true"/],
      ["TSA_REQUIRES_KEY without API keys", { TSA_REQUIRES_KEY: "true" }, /TSA_REQUIRES_KEY needs API_KEYS/],
      [
        "WITNESS_TSA_URL without its CA",
        { WITNESS_TSA_URL: "https://tsa.example/" },
        /WITNESS_TSA_CA_FILE is required with WITNESS_TSA_URL/,
      ],
      [
        "a WITNESS_TSA_URL holding credentials",
        { WITNESS_TSA_URL: "https://user:secret@tsa.example/", WITNESS_TSA_CA_FILE: "/ca.pem" },
        /WITNESS_TSA_URL must not hold credentials/,
      ],
      [
        "a WITNESS_TSA_URL that is not a URL",
        { WITNESS_TSA_URL: "tsa.example", WITNESS_TSA_CA_FILE: "/ca.pem" },
        /WITNESS_TSA_URL must be an http\(s\) URL/,
      ],
      [
        "a witness CA without its URL",
        { WITNESS_TSA_CA_FILE: "/ca.pem" },
        /WITNESS_TSA_CA_FILE is set but WITNESS_TSA_URL/,
      ],
      ["a PUBLIC_URL that is not http", { PUBLIC_URL: "ftp://notary.example/" }, /PUBLIC_URL must be an http\(s\) URL/],
      ["a PUBLIC_URL with a fragment", { PUBLIC_URL: "https://notary.example/#x" }, /PUBLIC_URL must have no query/],
      [
        "an allowed host that is a URL",
        { WEBHOOK_ALLOWED_HOSTS: "hooks.example.com,https://x.example" },
        /WEBHOOK_ALLOWED_HOSTS "https:\/\/x.example" is not/,
      ],
      ["a zero webhook timeout", { WEBHOOK_TIMEOUT_MS: "0" }, /WEBHOOK_TIMEOUT_MS must be a positive integer/],
      ["a zero keeping time", { WEBHOOK_KEEP_FOR_MS: "0" }, /WEBHOOK_KEEP_FOR_MS must be a positive integer/],
    ];
    for (const [name, env, message] of cases) {
      it(`refuses ${name}, naming the variable`, function () {
        expect(() => loadConfig(env)).to.throw(message);
      });
    }

    it("does not echo the private key in its message", function () {
      const secretish = `0x${"ab".repeat(31)}`;
      const error = (() => {
        try {
          loadConfig({ RPC_URL: "http://127.0.0.1:8545", PRIVATE_KEY: secretish });
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error?.message).to.not.include(secretish);
    });
  });
});

describe("batchSizeFor", function () {
  it("keeps a batch transaction under the 128 KiB a Geth pool accepts, on a chain with large blocks", function () {
    const size = batchSizeFor(30_000_000n);
    expect(size * 32 + 200, "calldata bytes").to.be.below(128 * 1024);
    expect(size).to.be.at.least(3_800);
  });

  it("keeps a batch within one transaction's gas on a chain with small blocks", function () {
    const size = batchSizeFor(4_000_000n);
    expect(size).to.be.within(2_500, 3_100);
    // What the registry measured: 1,299 gas per document at 1,000, plus the transaction.
    expect(size * 1_299 + 60_000).to.be.below(4_000_000);
  });

  it("anchors one document at a time on a chain whose blocks hold no batch", function () {
    expect(batchSizeFor(50_000n)).to.equal(1);
  });
});

describe("batchesInFlightFor", function () {
  it("keeps two blocks' worth of batches in flight on a chain with large blocks", function () {
    const batchMax = batchSizeFor(30_000_000n);
    const inFlight = batchesInFlightFor(30_000_000n, batchMax);
    // What the registry measured: 1,278 gas per document in a large batch, plus the transaction.
    const batchGas = batchMax * 1_278 + 60_000;
    expect(inFlight).to.be.at.least(2 * Math.floor(30_000_000 / batchGas) - 2);
    expect(inFlight * batchGas, "no more than two blocks hold").to.be.at.most(2 * 30_000_000);
  });

  it("stays within the 16 slots a Geth pool guarantees an account, however large the blocks", function () {
    expect(batchesInFlightFor(1_000_000_000n, 3_900)).to.equal(16);
  });

  it("keeps at least one in flight when a block holds less than one batch", function () {
    expect(batchesInFlightFor(4_000_000n, 12_000)).to.equal(1);
  });
});

describe("loggedSecrets", function () {
  it("names the key, the API keys and the parts of the chain's URL that may be a key, not its host", function () {
    const config = loadConfig({
      PRIVATE_KEY: KEY,
      API_KEYS: "first-api-key-0123456789,second-api-key-0123456789",
      RPC_URL: "https://user:a-long-password@node.example:8545/v3/0123456789abcdef?token=xyz",
    });
    const secrets = loggedSecrets(config);
    expect(secrets).to.include.members([KEY, "first-api-key-0123456789", "second-api-key-0123456789"]);
    expect(secrets).to.include.members(["a-long-password", "/v3/0123456789abcdef?token=xyz"]);
    expect(secrets.join(" ")).to.not.include("node.example");
  });

  it("hides nothing of a plain node URL", function () {
    expect(loggedSecrets(loadConfig({ RPC_URL: "http://127.0.0.1:8545", PRIVATE_KEY: KEY }))).to.deep.equal([KEY]);
  });
});
