/**
 * Exact nearest neighbours (brute force over every vector) and recall@k of an approximate
 * search against them. Used only by the bench; the product never scans all vectors.
 */

/** Vectors packed row by row into one Float32Array (unit length, so dot product = cosine). */
export interface VectorTable {
  data: Float32Array;
  dimension: number;
  /** Label of each row. */
  labels: Int32Array;
  count: number;
}

export function packVectors(rows: Array<[number, Float32Array]>, dimension: number): VectorTable {
  const data = new Float32Array(rows.length * dimension);
  const labels = new Int32Array(rows.length);
  rows.forEach(([label, v], i) => {
    data.set(v, i * dimension);
    labels[i] = label;
  });
  return { data, dimension, labels, count: rows.length };
}

export interface ExactResult {
  labels: number[];
  /** Cosine similarities, best first. */
  scores: number[];
}

/** The k most similar rows to `query` by scanning all of them. */
export function exactSearch(table: VectorTable, query: Float32Array, k: number): ExactResult {
  const { data, dimension, count } = table;
  const best: Array<[number, number]> = []; // [score, row], kept sorted ascending by score
  for (let r = 0; r < count; r++) {
    let s = 0;
    const o = r * dimension;
    for (let d = 0; d < dimension; d++) s += data[o + d]! * query[d]!;
    if (best.length < k) {
      best.push([s, r]);
      if (best.length === k) best.sort((a, b) => a[0] - b[0]);
    } else if (s > best[0]![0]) {
      let i = 1;
      while (i < k && best[i]![0] < s) i++;
      best.splice(i, 0, [s, r]);
      best.shift();
    }
  }
  if (best.length < k) best.sort((a, b) => a[0] - b[0]);
  best.reverse();
  return { labels: best.map(([, r]) => table.labels[r]!), scores: best.map(([s]) => s) };
}

/**
 * Recall@k: the share of the exact top k that the approximate search returned. A returned item
 * whose similarity ties the exact k-th (within `epsilon`) counts as correct: with near-duplicate
 * texts several items can share the k-th score and either is a right answer.
 */
export function recallAtK(exact: ExactResult, approx: Array<{ label: number; score: number }>, k: number, epsilon = 1e-5): number {
  const truth = new Set(exact.labels.slice(0, k));
  const kth = exact.scores[Math.min(k, exact.scores.length) - 1] ?? -Infinity;
  let hit = 0;
  for (const a of approx.slice(0, k)) if (truth.has(a.label) || a.score >= kth - epsilon) hit++;
  return hit / Math.min(k, exact.labels.length);
}
