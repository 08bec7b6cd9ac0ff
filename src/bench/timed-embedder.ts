/** An {@link Embedder} wrapper that counts and times what passes through it. */
import type { Embedder } from '../embed.js';

export class TimedEmbedder implements Embedder {
  passages = 0;
  queries = 0;
  passageMs = 0;
  queryMs = 0;
  constructor(readonly inner: Embedder) {}
  get modelId(): string {
    return this.inner.modelId;
  }
  get dimension(): number {
    return this.inner.dimension;
  }
  countTokens(text: string): number {
    return this.inner.countTokens(text);
  }
  async embedQueries(texts: string[]): Promise<Float32Array[]> {
    const start = performance.now();
    try {
      return await this.inner.embedQueries(texts);
    } finally {
      this.queries += texts.length;
      this.queryMs += performance.now() - start;
    }
  }
  async embedPassages(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    const start = performance.now();
    try {
      return await this.inner.embedPassages(texts, onProgress);
    } finally {
      this.passages += texts.length;
      this.passageMs += performance.now() - start;
    }
  }
  reset(): void {
    this.passages = this.queries = this.passageMs = this.queryMs = 0;
  }
  /** Closing is the owner's business: the wrapped model outlives this wrapper. */
  async close(): Promise<void> {}
}
