/**
 * Quantiles of a Prometheus histogram from its cumulative buckets, with the
 * same linear interpolation as PromQL's histogram_quantile, so an edge that
 * sums several series (a collapsed namespace) still gets true percentiles.
 */
export type Buckets = Map<number, number>;

export function addBuckets(into: Buckets, le: number, rate: number): void {
  into.set(le, (into.get(le) ?? 0) + rate);
}

export function quantile(q: number, buckets: Buckets): number | null {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  if (sorted.length < 2 || sorted[sorted.length - 1]![0] !== Infinity) return null;
  const total = sorted[sorted.length - 1]![1];
  if (!(total > 0)) return null;
  const rank = q * total;
  let index = sorted.findIndex(([, count]) => count >= rank);
  if (index < 0) index = sorted.length - 1;
  // Past the last finite bound: PromQL answers that bound.
  if (index === sorted.length - 1) return sorted[sorted.length - 2]![0];
  const [upper, count] = sorted[index]!;
  const [lower, below] = index === 0 ? [0, 0] : sorted[index - 1]!;
  if (index === 0 && upper <= 0) return upper;
  return lower + (upper - lower) * ((rank - below) / (count - below));
}
