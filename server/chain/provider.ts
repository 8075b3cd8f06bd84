import { FetchRequest, JsonRpcProvider, Network, type JsonRpcApiProvider } from "ethers";
import { DocproofError, isDocproofError } from "../errors";

export const DEFAULT_RPC_TIMEOUT_MS = 30_000;

/** Wraps an outside failure once, at the chain boundary: every caller sees `chain-unavailable`. */
export async function onChain<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (isDocproofError(error)) throw error;
    throw new DocproofError("chain-unavailable", `The chain did not answer while trying to ${what}.`, { cause: error });
  }
}

function rpcRequest(rpcUrl: string, timeoutMs: number): FetchRequest {
  const request = new FetchRequest(rpcUrl);
  // A node that accepts connections but never answers would otherwise hold a request for 5 minutes.
  request.timeout = timeoutMs;
  return request;
}

/**
 * A JSON-RPC provider with a static network: it never probes the network again, so it recovers by
 * itself when a node that went away answers again. Each request gives up after `timeoutMs`.
 * NOTE: ethers holds each request 10 ms by default to batch it with others; every verification and
 * every batch makes several sequential requests, so they are sent at the next tick instead (calls
 * made in the same tick still share one HTTP request).
 */
export function createProvider(rpcUrl: string, chainId: number, timeoutMs = DEFAULT_RPC_TIMEOUT_MS): JsonRpcProvider {
  return new JsonRpcProvider(rpcRequest(rpcUrl, timeoutMs), Network.from(chainId), {
    staticNetwork: true,
    cacheTimeout: -1,
    batchStallTime: 0,
  });
}

/** The chain id a node reports now: the one way it is read, at start-up and by the chain guard. */
export async function chainIdOf(provider: JsonRpcApiProvider): Promise<number> {
  return onChain("read the chain id", async () => {
    const answer: unknown = await provider.send("eth_chainId", []);
    if (typeof answer !== "string" || !/^0x[0-9a-f]+$/i.test(answer)) {
      throw new DocproofError("chain-unavailable", `The node answered eth_chainId with ${JSON.stringify(answer)}.`);
    }
    return Number(answer);
  });
}

/** Reads the chain id of `rpcUrl` once, before anything else is connected to it. */
export async function readChainId(rpcUrl: string, timeoutMs = DEFAULT_RPC_TIMEOUT_MS): Promise<number> {
  // A placeholder network: ethers would otherwise detect the network itself, and print a warning
  // every second while the node is down. Only eth_chainId is sent.
  const provider = new JsonRpcProvider(rpcRequest(rpcUrl, timeoutMs), undefined, {
    staticNetwork: new Network("unknown", 0),
  });
  try {
    return await chainIdOf(provider);
  } finally {
    provider.destroy();
  }
}
