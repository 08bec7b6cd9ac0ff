/**
 * Dense retrieval through an hnswlib-node HNSW graph in cosine space. Labels are the same
 * numeric chunk labels the lexical index uses. Removing marks a point deleted (its slot is
 * reused by a later insert), so updating one article never rebuilds the graph.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import hnswlib from 'hnswlib-node';

export interface HnswParams {
  /** Graph degree. */
  m: number;
  /** Candidate list size while building. */
  efConstruction: number;
  /** Candidate list size while searching (≥ k). */
  efSearch: number;
}

/**
 * Chosen by measurement (docs/performance.md): recall@10 against exact search at 100k chunks of
 * 384-d synthetic model-like vectors, 173 queries. efSearch 384 was the smallest giving ≥ 0.99
 * with efConstruction 128 (0.995; 256 gave 0.982); efConstruction 200 gave the same recall at
 * ~1.5× the build time, M 24 / 32 better recall per efSearch at 2× the build time and memory,
 * M 12 and efConstruction 64 stayed below 0.98 even at efSearch 384.
 */
export const DEFAULT_HNSW: HnswParams = { m: 16, efConstruction: 128, efSearch: 384 };

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

  /** The candidate list size while searching: a query-time setting, changed without a rebuild. */
  setEfSearch(efSearch: number): void {
    this.index.setEf(efSearch);
  }

  static create(dimension: number, capacity: number, params: HnswParams = DEFAULT_HNSW): DenseIndex {
    const index = new hnswlib.HierarchicalNSW('cosine', dimension);
    index.initIndex({ maxElements: Math.max(16, capacity), m: params.m, efConstruction: params.efConstruction, randomSeed: 100, allowReplaceDeleted: true });
    return new DenseIndex(index, dimension, params);
  }

  /**
   * Builds a new index of many vectors on a worker thread, so the calling thread stays free
   * (indexing builds the lexical index meanwhile: on two cores the two builds overlap). Same
   * graph as {@link create} + {@link add} in the same order (same seed). The worker writes the
   * graph to `scratchDir` and it is read back here; the scratch file is removed.
   * `vectors` holds the rows back to back (`labels.length × dimension`) and is transferred.
   */
  static async buildInWorker(
    dimension: number,
    labels: Int32Array,
    vectors: Float32Array,
    scratchDir: string,
    params: HnswParams = DEFAULT_HNSW,
    capacity = labels.length,
  ): Promise<DenseIndex> {
    if (vectors.length !== labels.length * dimension) throw new Error(`${vectors.length} values for ${labels.length} vectors of ${dimension} dimensions`);
    fs.mkdirSync(scratchDir, { recursive: true });
    const file = path.join(scratchDir, `hnsw-build-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      await new Promise<void>((resolve, reject) => {
        const worker = new Worker(BUILD_WORKER, {
          eval: true,
          workerData: { module: createRequire(import.meta.url).resolve('hnswlib-node'), dimension, labels, vectors, file, capacity: Math.max(16, capacity), params },
          transferList: [labels.buffer as ArrayBuffer, vectors.buffer as ArrayBuffer],
        });
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`hnsw build worker exited with ${code}`))));
      });
      return DenseIndex.read(file, dimension, params);
    } finally {
      fs.rmSync(file, { force: true });
    }
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

  /** Points in the graph (deleted ones included until their slots are reused). */
  get count(): number {
    return this.index.getCurrentCount();
  }
}

/** The worker of {@link DenseIndex.buildInWorker} (plain CommonJS: it only needs hnswlib-node). */
const BUILD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const hnswlib = require(workerData.module);
const { dimension, labels, vectors, file, capacity, params } = workerData;
const index = new hnswlib.HierarchicalNSW('cosine', dimension);
index.initIndex({ maxElements: capacity, m: params.m, efConstruction: params.efConstruction, randomSeed: 100, allowReplaceDeleted: true });
const row = new Array(dimension);
for (let i = 0; i < labels.length; i++) {
  for (let d = 0; d < dimension; d++) row[d] = vectors[i * dimension + d];
  index.addPoint(row, labels[i], true);
}
index.writeIndexSync(file);
parentPort.postMessage('done');
`;
