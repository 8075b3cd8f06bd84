/**
 * `npm start`: a local chain with the registry deployed, zero configuration.
 * Starts (or reuses) the chain at 127.0.0.1:8545, deploys the registry if it is not there,
 * prints where everything is, and stops the chain it started on Ctrl-C.
 */
import { ensureLocalRegistry, startLocalChain } from "../server/chain/local-chain";

async function main() {
  const log = (line: string) => console.log(line);
  const chain = await startLocalChain(log);
  const shutdown = async () => {
    await chain.stop();
    process.exit(0);
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  try {
    const registry = await ensureLocalRegistry(chain, log);
    log(`DocumentRegistry: ${registry} on chain ${chain.chainId} at ${chain.rpcUrl}`);
    log("Press Ctrl-C to stop.");
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
