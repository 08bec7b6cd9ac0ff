/**
 * Dense retrieval through an hnswlib-node HNSW graph in cosine space. Labels are the same
 * numeric chunk labels the lexical index uses. Removing marks a point deleted (its slot is
 * reused by a later insert), so updating one article never rebuilds the graph.
 */
import hnswlib from 'hnswlib-node';

export interface HnswParams {
  /** Graph degree. */
  m: number;
  /** Candidate list size while building. */
  efConstruction: number;
  /** Candidate list size while searching (≥ k). */
  efSearch: number;
}

/** Chosen by measurement in `npm run bench` (recall@10 against exact search at 100k chunks). */
export const DEFAULT_HNSW: HnswParams = { m: 16, efConstruction: 200, efSearch: 64 };

export interface DenseHit {
  label: number;
  /** Cosine similarity. */
  score: number;
}

export class DenseIndex {
  private constructor(
    private readonly index: hnswlib.HierarchicalNSW,
    readonly dimension: number,
    readonly params: HnswParams,
  ) {
    index.setEf(params.efSearch);
  }

  static create(dimension: number, capacity: number, params: HnswParams = DEFAULT_HNSW): DenseIndex {
    const index = new hnswlib.HierarchicalNSW('cosine', dimension);
    index.initIndex({ maxElements: Math.max(16, capacity), m: params.m, efConstruction: params.efConstruction, randomSeed: 100, allowReplaceDeleted: true });
    return new DenseIndex(index, dimension, params);
  }

  static read(file: string, dimension: number, params: HnswParams = DEFAULT_HNSW): DenseIndex {
    const index = new hnswlib.HierarchicalNSW('cosine', dimension);
    index.readIndexSync(file, true);
    return new DenseIndex(index, dimension, params);
  }

  add(label: number, vector: ArrayLike<number>): void {
    if (vector.length !== this.dimension) {
      throw new Error(`vector for label ${label} has ${vector.length} dimensions, the index has ${this.dimension}`);
    }
    if (this.index.getCurrentCount() >= this.index.getMaxElements()) {
      this.index.resizeIndex(Math.ceil(this.index.getMaxElements() * 1.5) + 16);
    }
    // replaceDeleted: reuse the slot of a removed point when there is one.
    this.index.addPoint(Array.from(vector), label, true);
  }

  remove(label: number): void {
    try {
      this.index.markDelete(label);
    } catch {
      // Unknown label: nothing to remove.
    }
  }

  search(vector: ArrayLike<number>, k: number): DenseHit[] {
    const n = this.index.getCurrentCount();
    if (n === 0 || k <= 0) return [];
    const count = Math.min(k, n);
    if (this.index.getEf() < count) this.index.setEf(count);
    const { neighbors, distances } = this.index.searchKnn(Array.from(vector), count);
    return neighbors.map((label, i) => ({ label, score: 1 - distances[i]! }));
  }

  write(file: string): void {
    this.index.writeIndexSync(file);
  }
}
