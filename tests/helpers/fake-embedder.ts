/**
 * FIXTURE: a deterministic in-memory Embedder (hashed character trigrams), for index tests
 * that need vectors without loading any model. Not a model; counts its calls.
 */
import type { Embedder } from '../../src/embed.js';

export class FakeEmbedder implements Embedder {
  readonly dimension: number;
  passagesEmbedded = 0;
  queriesEmbedded = 0;
  constructor(readonly modelId = 'fake-embedder', dimension = 32) {
    this.dimension = dimension;
  }
  private vector(text: string): Float32Array {
    const v = new Float32Array(this.dimension);
    for (let i = 0; i + 3 <= text.length; i++) {
      let h = 2166136261;
      for (const c of text.slice(i, i + 3)) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
      v[(h >>> 0) % this.dimension]! += 1;
    }
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  }
  countTokens(text: string): number {
    return Math.ceil(text.split(/\s+/).filter(Boolean).length * 1.75);
  }
  async embedQueries(texts: string[]): Promise<Float32Array[]> {
    this.queriesEmbedded += texts.length;
    return texts.map((t) => this.vector(t));
  }
  async embedPassages(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    this.passagesEmbedded += texts.length;
    onProgress?.(texts.length, texts.length);
    return texts.map((t) => this.vector(t));
  }
  async close(): Promise<void> {}
}
