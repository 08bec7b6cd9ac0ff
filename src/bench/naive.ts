/**
 * The baseline the issue compares embedding throughput with: a plain transformers.js
 * `pipeline('feature-extraction')` with default settings, called with the E5 passage prefix,
 * mean pooling and normalisation — what a user would write first. Bench-only: the product's
 * embedding code is `src/embed.ts`.
 */
import path from 'node:path';

export interface NaivePipeline {
  embed(texts: string[]): Promise<void>;
  /** One passage's vector (with the passage prefix), as the pipeline computes it. */
  embedRaw(text: string): Promise<Float32Array>;
  close(): Promise<void>;
}

export async function naivePipeline(modelDir: string): Promise<NaivePipeline> {
  const { pipeline, env } = await import('@xenova/transformers');
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(modelDir) + path.sep;
  const id = path.basename(modelDir);
  const prefix = /e5/i.test(id) ? 'passage: ' : '';
  const extractor = (await pipeline('feature-extraction', id, { quantized: true })) as unknown as ((
    texts: string[],
    options: { pooling: 'mean'; normalize: true },
  ) => Promise<{ data: Float32Array }>) & { dispose?: () => Promise<void> };
  return {
    async embed(texts) {
      await extractor(texts.map((t) => prefix + t), { pooling: 'mean', normalize: true });
    },
    async embedRaw(text) {
      return (await extractor([prefix + text], { pooling: 'mean', normalize: true })).data;
    },
    async close() {
      await extractor.dispose?.();
    },
  };
}
