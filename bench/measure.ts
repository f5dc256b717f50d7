// What the benches measure with: percentiles of sorted latencies, and a pool that keeps N jobs in flight.

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Runs `jobs` with `concurrency` in flight; returns each one's latency (ms), sorted, and the wall time (s). */
export async function pool(jobs: (() => Promise<void>)[], concurrency: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const t0 = performance.now();
        await job();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), wall: (performance.now() - started) / 1000 };
}

/** One table row of a pool's figures. */
export const figures = (r: { latencies: number[]; wall: number }) => ({
  done: r.latencies.length,
  'per s': (r.latencies.length / r.wall).toFixed(0),
  'p50 ms': Math.round(percentile(r.latencies, 50)),
  'p99 ms': Math.round(percentile(r.latencies, 99)),
});
