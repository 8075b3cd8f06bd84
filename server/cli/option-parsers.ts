import { InvalidArgumentError } from "commander";

/** Commander parsers: a bad value is a usage error naming the option. */
export function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError("must be a positive number.");
  return number;
}

export function positiveInteger(value: string): number {
  const number = positiveNumber(value);
  if (!Number.isSafeInteger(number)) throw new InvalidArgumentError("must be a positive integer.");
  return number;
}

export function blockNumber(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) {
    throw new InvalidArgumentError("must be a block number (a non-negative integer).");
  }
  return number;
}
