/** A JSON-RPC call that the node answered with an error object. */
export class JsonRpcCallError extends Error {
  constructor(
    readonly method: string,
    readonly rpcCode: number | undefined,
    message: string,
  ) {
    super(`${method}: ${message}`);
    this.name = "JsonRpcCallError";
  }
}

/**
 * One JSON-RPC call with plain fetch, for probing and managing nodes without a provider. Rejects
 * on a transport failure, a timeout (which covers reading the body) or an error answer.
 */
export async function callRpc<T>(url: string, method: string, params: unknown[], timeoutMs: number): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json()) as { result?: T; error?: { code?: number; message?: string } };
  if (body.error !== undefined) {
    throw new JsonRpcCallError(method, body.error.code, body.error.message ?? JSON.stringify(body.error));
  }
  return body.result as T;
}

/** The fields of a block that identify it in the chain. */
export interface BlockIdentity {
  hash: string;
  parentHash: string;
  number: string;
  timestamp: string;
}

export async function blockAt(url: string, tag: string, timeoutMs = 10_000): Promise<BlockIdentity> {
  const block = await callRpc<BlockIdentity | null>(url, "eth_getBlockByNumber", [tag, false], timeoutMs);
  if (block === null) throw new JsonRpcCallError("eth_getBlockByNumber", undefined, `no block ${tag}`);
  return block;
}
