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
  error?: { code?: number; message?: string; data?: unknown };
}

/**
 * A JSON-RPC error answer: the node refused the call (a revert, a nonce used already, no funds),
 * which is the call's own failure and not an outage. The error as the node gave it, without the
 * node's URL, which may carry a key.
 */
export class JsonRpcRefusal extends Error {
  readonly code = "JSON_RPC_REFUSED";

  constructor(
    readonly method: string,
    readonly rpcCode: number | undefined,
    rpcMessage: string,
    /** The error's `data`: a revert's encoded reason, for one. */
    readonly data?: unknown,
  ) {
    super(`The node refused ${method}: ${rpcMessage} (code ${rpcCode}).`);
    this.name = "JsonRpcRefusal";
  }

  /** The node's own trouble, worth another try: JSON-RPC's internal error, and EIP-1474's limit exceeded. */
  get transient(): boolean {
    return this.rpcCode === -32603 || this.rpcCode === -32005;
  }
}

/** The refusal behind `error`, if the node refused rather than failed to answer. */
export function refusalIn(error: unknown): JsonRpcRefusal | undefined {
  if (error instanceof JsonRpcRefusal) return error;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return isDocproofError(error) && cause instanceof JsonRpcRefusal ? cause : undefined;
}

/** The node as messages name it: its origin, never the path or credentials a hosted node's URL carries. */
function nodeName(url: string): string {
  try {
    return `the node at ${new URL(url).origin}`;
  } catch {
    return "the node";
  }
}

function unavailable(node: string, what: string, cause?: unknown): DocproofError {
  return new DocproofError("chain-unavailable", `${capitalised(node)} did not answer ${what}.`, { cause });
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** A status a node or its proxy answers when it is overloaded or restarting: worth another try. */
const RETRIED_STATUSES = new Set([429, 502, 503, 504]);

/** A JSON-RPC client over HTTP POST: one call, or a JSON array of calls in one request. */
export function httpJsonRpc(url: string, timeoutMs = DEFAULT_JSON_RPC_TIMEOUT_MS): JsonRpcPort {
  let nextId = 1;
  const node = nodeName(url);
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
      throw unavailable(node, what, error);
    }
    if (!response.ok) {
      await response.body?.cancel();
      const status = Object.assign(new Error(`HTTP ${response.status}`), {
        code: RETRIED_STATUSES.has(response.status) ? "SERVER_ERROR" : "BAD_RESPONSE",
      });
      throw unavailable(node, `${what} (HTTP ${response.status})`, status);
    }
    try {
      return await response.json();
    } catch (error) {
      throw unavailable(node, `${what} with JSON`, error);
    }
  }
  function resultOf(answer: JsonRpcAnswer | undefined, method: string): unknown {
    if (answer === undefined) throw unavailable(node, method);
    if (answer.error !== undefined) {
      const { code, message, data } = answer.error;
      const refusal = new JsonRpcRefusal(method, code, message ?? "no message", data);
      throw new DocproofError(
        "chain-unavailable",
        `${capitalised(node)} refused ${method}: ${message ?? "no message"} (code ${code}).`,
        {
          cause: refusal,
        },
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
      if (!Array.isArray(answers)) throw unavailable(node, `a batch of ${calls.length} calls with a JSON array`);
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
  if (block === null)
    throw new DocproofError("chain-unavailable", `${capitalised(nodeName(url))} has no block ${tag}.`);
  return block;
}
