/**
 * A stand-in for the service in crash tests of the local chain: starts the chain saved in a state
 * directory, then sends a transaction and flushes, over and over, printing `anvil <pid>` once and
 * `flushed <n> <txHash>` after each flush completes. The test kills it (and Anvil) at any moment.
 *
 * Usage: node -r ts-node/register/transpile-only local-chain-flush-loop.ts <port> <chainId> <stateDir>
 */
import { randomBytes } from "node:crypto";
import { startLocalChain } from "../../server/chain/local-chain";
import { callRpc } from "../../server/chain/json-rpc";

async function main() {
  const [port, chainId, stateDir] = process.argv.slice(2);
  const chain = await startLocalChain(() => {}, { port: Number(port), chainId: Number(chainId), stateDir });
  process.stdout.write(`anvil ${chain.pid}\n`);
  const [from, to] = await callRpc<string[]>(chain.rpcUrl, "eth_accounts", [], 10_000);
  for (let n = 1; ; n++) {
    const txHash = await callRpc<string>(
      chain.rpcUrl,
      "eth_sendTransaction",
      [{ from, to, data: `0x${randomBytes(4_096).toString("hex")}` }],
      10_000,
    );
    // Anvil answers eth_sendTransaction before the block is visible: wait for the receipt, as the
    // service does before it flushes.
    while ((await callRpc<unknown>(chain.rpcUrl, "eth_getTransactionReceipt", [txHash], 10_000)) === null) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await chain.flush();
    process.stdout.write(`flushed ${n} ${txHash}\n`);
  }
}

// Hardhat's test runner loads every file under test/: run only when started as a script.
if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
