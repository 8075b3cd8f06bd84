import { createCustomCommon, Mainnet, type Common } from "@ethereumjs/common";
import { createFeeMarket1559Tx, createLegacyTx } from "@ethereumjs/tx";
import { getBytes, keccak256 } from "ethers";
import type { Hex32 } from "../proof/digest";

/**
 * What a transaction pays for gas: the chain's base fee and a tip (EIP-1559), or a gas price on
 * chains without a base fee, as many consortium chains run. `gasPrice` may be 0 (free gas).
 */
export type GasFees =
  | { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint; gasPrice?: undefined }
  | { gasPrice: bigint; maxFeePerGas?: undefined; maxPriorityFeePerGas?: undefined };

/** A contract call to sign: its calldata as bytes, as large as a batch of 12,000 digests. */
export interface UnsignedCall {
  chainId: number;
  nonce: number;
  to: string;
  data: Uint8Array;
  gasLimit: bigint;
  fees: GasFees;
}

export interface SignedTransaction {
  /** The transaction's bytes, as `eth_sendRawTransaction` takes them (0x-prefixed hex). */
  raw: string;
  /** Its hash: the keccak-256 of those bytes, whatever its type. */
  hash: Hex32;
}

// ethers' keccak-256, which the service makes the WebAssembly one: the transaction's whole
// calldata is hashed twice per signature (for the signature, then for the hash).
const customCrypto = { keccak256: (message: Uint8Array) => getBytes(keccak256(message)) };
const commons = new Map<number, Common>();

function commonFor(chainId: number): Common {
  let common = commons.get(chainId);
  if (common === undefined) {
    common = createCustomCommon({ chainId }, Mainnet, { customCrypto });
    commons.set(chainId, common);
  }
  return common;
}

const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;

/**
 * Signs `call` with `privateKey` over bytes, with EthereumJS: ethers' signer converts the calldata
 * between hex, bytes and UTF-8 several times per transaction, most of the service's time on a
 * batch of thousands (bench/RESULTS.md). Type 2 with EIP-1559 fees, else a legacy transaction
 * with EIP-155 replay protection, as ethers' signer chooses from the same fees.
 */
export function signCall(call: UnsignedCall, privateKey: Uint8Array): SignedTransaction {
  const common = commonFor(call.chainId);
  const fields = {
    nonce: BigInt(call.nonce),
    to: call.to as `0x${string}`,
    data: call.data,
    gasLimit: call.gasLimit,
    value: 0n,
  };
  const unsigned =
    call.fees.maxFeePerGas !== undefined
      ? createFeeMarket1559Tx(
          {
            ...fields,
            chainId: BigInt(call.chainId),
            maxFeePerGas: call.fees.maxFeePerGas,
            maxPriorityFeePerGas: call.fees.maxPriorityFeePerGas,
          },
          { common },
        )
      : createLegacyTx({ ...fields, gasPrice: call.fees.gasPrice }, { common });
  const signed = unsigned.sign(privateKey);
  return { raw: hex(signed.serialize()), hash: hex(signed.hash()) as Hex32 };
}
