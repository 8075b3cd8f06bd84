import { expect } from "chai";
import { createHash, randomBytes, randomInt } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, Network } from "ethers";
import { DocumentRegistry__factory } from "../../typechain-types";
import { devAccount } from "../support/dev-accounts";
import { freePort, ManagedProcess, poll, ROOT, startAnvil, waitForRpc } from "../support/processes";

/**
 * The package as users get it: `npm pack`, installed with `npm install -g` into an empty prefix, and
 * run from a folder outside the repository: the CLI from the installed package, the service from
 * the build (`node dist/server/main.js`), against a real Anvil node.
 */
describe("the docproof package (npm pack, installed, outside the repository)", function () {
  this.timeout(600_000);
  const scratch = mkdtempSync(path.join(tmpdir(), "docproof-package-"));
  const prefix = path.join(scratch, "prefix");
  const work = path.join(scratch, "work");
  const version = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  const registrar = devAccount(0);
  let anvil: ManagedProcess;
  let service: ManagedProcess;
  let rpcUrl: string;
  let api: string;
  let registry: string;

  /** Runs the installed `docproof` in the folder outside the repository. */
  async function docproof(args: string[], env: Record<string, string> = {}) {
    const child = new ManagedProcess(path.join(prefix, "bin", "docproof"), args, {
      cwd: work,
      env: { PATH: process.env.PATH, HOME: scratch, ...env },
    });
    const code = await child.wait();
    return { code, output: child.log };
  }

  async function runToEnd(command: string, args: string[], cwd: string) {
    const child = new ManagedProcess(command, args, { cwd, env: process.env });
    const code = await child.wait();
    expect(code, `${command} ${args.join(" ")}:\n${child.log}`).to.equal(0);
    return child.log;
  }

  before(async function () {
    // npm pack runs the package's prepack step: `npm run build`.
    await runToEnd("npm", ["pack", "--pack-destination", scratch], ROOT);
    const tarball = readdirSync(scratch).find((name) => name.endsWith(".tgz"));
    expect(tarball, "npm pack made a tarball").to.not.equal(undefined);
    await runToEnd(
      "npm",
      [
        "install",
        "-g",
        "--prefix",
        prefix,
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        path.join(scratch, tarball!),
      ],
      scratch,
    );
    mkdirSync(work, { recursive: true });

    const port = await freePort();
    rpcUrl = `http://127.0.0.1:${port}`;
    const chainId = 600_000 + randomInt(100_000);
    anvil = startAnvil(port, chainId);
    await waitForRpc(rpcUrl, anvil);
    const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true });
    const deployed = await new DocumentRegistry__factory(registrar.connect(provider)).deploy(0, registrar.address, [
      registrar.address,
    ]);
    await deployed.waitForDeployment();
    registry = await deployed.getAddress();
    provider.destroy();

    const servicePort = await freePort();
    api = `http://127.0.0.1:${servicePort}`;
    service = new ManagedProcess(process.execPath, [path.join(ROOT, "dist", "server", "main.js")], {
      cwd: work,
      env: {
        PATH: process.env.PATH,
        RPC_URL: rpcUrl,
        PRIVATE_KEY: registrar.privateKey,
        REGISTRY_ADDRESS: registry,
        PORT: String(servicePort),
        DATA_DIR: path.join(scratch, "data"),
        BATCH_INTERVAL_MS: "200",
      },
    });
    await poll("the built service to answer /healthz", async () => {
      if (service.hasExited) throw new Error(service.log);
      return (await fetch(`${api}/healthz`)).status === 200 ? true : undefined;
    });
  });

  after(async function () {
    await service?.stop();
    await anvil?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("installs a docproof command that reports the package's version", async function () {
    const { code, output } = await docproof(["--version"]);
    expect(code, output).to.equal(0);
    expect(output.trim()).to.equal(version);
  });

  it("hashes a file as sha256sum does", async function () {
    const content = randomBytes(10_000);
    writeFileSync(path.join(work, "hashed.bin"), content);
    const { code, output } = await docproof(["hash", "hashed.bin"]);
    expect(code, output).to.equal(0);
    expect(output).to.equal(`${createHash("sha256").update(content).digest("hex")}  hashed.bin\n`);
  });

  it("notarizes through the service, then verifies through the service and against the chain alone", async function () {
    writeFileSync(path.join(work, "contract.txt"), `a contract ${randomBytes(8).toString("hex")}\n`);
    const notarized = await docproof(["notarize", "contract.txt", "--api", api, "--timeout", "60"]);
    expect(notarized.code, notarized.output).to.equal(0);
    expect(readFileSync(path.join(work, "contract.txt.receipt.json"), "utf8")).to.include('"version"');

    const byService = await docproof(["verify", "contract.txt", "--api", api]);
    expect(byService.code, byService.output).to.equal(0);
    expect(byService.output).to.include("ANCHORED");

    const byChain = await docproof(["verify", "contract.txt", "--rpc", rpcUrl, "--registry", registry]);
    expect(byChain.code, byChain.output).to.equal(0);
    expect(byChain.output).to.include("ANCHORED");

    writeFileSync(path.join(work, "contract.txt"), "a modified contract\n");
    const modified = await docproof(["verify", "contract.txt", "--rpc", rpcUrl, "--registry", registry]);
    expect(modified.code, modified.output).to.equal(1);
  });
});
