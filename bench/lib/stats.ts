/** Nearest-rank percentile of `values` (0 < p ≤ 100); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A number with thousands separators and at most `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Milliseconds, with one decimal below 100 ms. */
export function ms(value: number): string {
  return value < 100 ? `${fmt(value, 1)} ms` : `${fmt(value)} ms`;
}

export const MIB = 1024 * 1024;
export const MB = 1_000_000;

/** ✅/❌ with the target, for a figure that should be at least `target`. */
export function atLeast(value: number, target: number, label: string): string {
  return `${value >= target ? "met" : "missed"} (target ≥ ${label})`;
}

export function atMost(value: number, target: number, label: string): string {
  return `${value <= target ? "met" : "missed"} (target ≤ ${label})`;
}
