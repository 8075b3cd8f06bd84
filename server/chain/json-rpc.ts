import { DocproofError, isDocproofError } from "../errors";

export interface JsonRpcCall {
  method: string;
  params: unknown[];
}

/**
 * The JSON-RPC that evidence and history need from a node. An ethers `JsonRpcApiProvider` is one
 * as it is (its `send` batches the calls made in the same tick); `httpJsonRpc` adds explicit batches.
 */
export interface JsonRpcPort {
  send(method: string, params: unknown[]): Promise<unknown>;
  /** Several calls in one round trip; the answers in the order of the calls. */
  sendBatch?(calls: readonly JsonRpcCall[]): Promise<unknown[]>;
}

export const DEFAULT_JSON_RPC_TIMEOUT_MS = 30_000;

/** The answers to `calls`, in one round trip when the port can batch. */
export function sendBatch(port: JsonRpcPort, calls: readonly JsonRpcCall[]): Promise<unknown[]> {
  if (port.sendBatch !== undefined) return port.sendBatch(calls);
  return Promise.all(calls.map(({ method, params }) => port.send(method, params)));
}

interface JsonRpcAnswer {
  id?: unknown;
  result?: unknown;
  error?: { code?: number; message?: string };
}

function unavailable(url: string, what: string, cause?: unknown): DocproofError {
  return new DocproofError("chain-unavailable", `The node at ${url} did not answer ${what}.`, { cause });
}

/** A JSON-RPC client over HTTP POST: one call, or a JSON array of calls in one request. */
export function httpJsonRpc(url: string, timeoutMs = DEFAULT_JSON_RPC_TIMEOUT_MS): JsonRpcPort {
  let nextId = 1;
  async function post(body: unknown, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw unavailable(url, what, error);
    }
    if (!response.ok) throw unavailable(url, `${what} (HTTP ${response.status})`);
    try {
      return await response.json();
    } catch (error) {
      throw unavailable(url, `${what} with JSON`, error);
    }
  }
  function resultOf(answer: JsonRpcAnswer | undefined, method: string): unknown {
    if (answer === undefined) throw unavailable(url, method);
    if (answer.error !== undefined) {
      throw new DocproofError(
        "chain-unavailable",
        `The node at ${url} refused ${method}: ${answer.error.message ?? "no message"} (code ${answer.error.code}).`,
      );
    }
    return answer.result;
  }
  return {
    async send(method, params) {
      const answer = (await post({ jsonrpc: "2.0", id: nextId++, method, params }, method)) as JsonRpcAnswer;
      return resultOf(answer, method);
    },
    async sendBatch(calls) {
      if (calls.length === 0) return [];
      const first = nextId;
      nextId += calls.length;
      const body = calls.map(({ method, params }, i) => ({ jsonrpc: "2.0", id: first + i, method, params }));
      const answers = await post(body, `a batch of ${calls.length} calls`);
      if (!Array.isArray(answers)) throw unavailable(url, `a batch of ${calls.length} calls with a JSON array`);
      // Answers may come in any order: match them to their calls by id.
      const byId = new Map<unknown, JsonRpcAnswer>(answers.map((answer: JsonRpcAnswer) => [answer.id, answer]));
      return calls.map(({ method }, i) => resultOf(byId.get(first + i), method));
    },
  };
}

/** An EIP-1193 provider (such as Hardhat's in-process network) as a port. */
export function eip1193JsonRpc(provider: {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}): JsonRpcPort {
  return {
    async send(method, params) {
      try {
        return await provider.request({ method, params });
      } catch (error) {
        if (isDocproofError(error)) throw error;
        throw new DocproofError("chain-unavailable", `The node refused ${method}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
  };
}

/** `port.send`, with any failure that is not already typed wrapped once as `chain-unavailable`. */
export async function callNode(port: JsonRpcPort, method: string, params: unknown[]): Promise<unknown> {
  try {
    return await port.send(method, params);
  } catch (error) {
    if (isDocproofError(error)) throw error;
    throw new DocproofError("chain-unavailable", `The node did not answer ${method}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** `sendBatch`, with failures wrapped as `callNode` does. */
export async function callNodeBatch(port: JsonRpcPort, calls: readonly JsonRpcCall[]): Promise<unknown[]> {
  try {
    return await sendBatch(port, calls);
  } catch (error) {
    if (isDocproofError(error)) throw error;
    throw new DocproofError(
      "chain-unavailable",
      `The node did not answer a batch of ${calls.length} calls: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** One call to the node at `url` without a provider, for probing and managing nodes. */
export async function callRpc<T>(url: string, method: string, params: unknown[], timeoutMs: number): Promise<T> {
  return (await httpJsonRpc(url, timeoutMs).send(method, params)) as T;
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
  if (block === null) throw new DocproofError("chain-unavailable", `The node at ${url} has no block ${tag}.`);
  return block;
}
