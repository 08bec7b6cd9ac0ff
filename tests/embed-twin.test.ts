/**
 * The embedder's own Unigram trie and ONNX session against transformers.js's stock
 * feature-extraction pipeline, on the genuine mE5 tokenizer (the timing twin in
 * ../shared/models: exact architecture and tokenizer, RANDOM weights — fine for checking that two
 * code paths compute the same thing, meaningless for quality). Skipped, saying so, when
 * ../shared is absent (users' clones); CI has it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEmbedder, resolveModelSource } from '../src/embed.js';

const TWIN = fileURLToPath(new URL('../../shared/models/timing-twin/multilingual-e5-small/', import.meta.url));
const present = fs.existsSync(path.join(TWIN, 'tokenizer.json'));
if (!present) console.warn(`skipping tests/embed-twin.test.ts: ${TWIN} is absent`);

const corpusDir = fileURLToPath(new URL('./fixtures/corpus/', import.meta.url));
const texts = [
  ...fs.readdirSync(corpusDir).flatMap((f) =>
    fs.readFileSync(path.join(corpusDir, f), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 6),
  ),
  ...fs.readFileSync(fileURLToPath(new URL('./fixtures/dev.jsonl', import.meta.url)), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).q as string),
  'إِسْتَرَاتِيجِيَّة مُـــوسكو ٢٠٢٢', '😀🇸🇦 رموز', 'CNN reported 13.8 billion', '', '   ', 'a'.repeat(3000),
];

describe.skipIf(!present)('embedder vs transformers.js pipeline on the genuine mE5 tokenizer (timing twin)', () => {
  it('gives the same token counts and bit-identical vectors', async () => {
    const { pipeline, env } = await import('@xenova/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = path.dirname(path.resolve(TWIN)) + path.sep;
    // The stock pipeline is built first, before the embedder installs its compact Unigram model.
    const stock = (await pipeline('feature-extraction', 'multilingual-e5-small', { quantized: true })) as unknown as ((
      t: string[],
      o: object,
    ) => Promise<{ data: Float32Array; dims: number[] }>) & { tokenizer: { encode(t: string): number[] } };
    const source = resolveModelSource({ embeddingModel: null, modelDir: path.resolve(TWIN) })!;
    const ours = await createEmbedder(source, os.tmpdir());
    for (const text of texts) {
      expect(ours.countTokens(text), text.slice(0, 40)).toBe(Math.max(0, stock.tokenizer.encode(text).length - 2));
    }
    const sample = texts.filter((t) => t.trim()).slice(0, 12);
    const mine = await ours.embedPassages(sample);
    for (let i = 0; i < sample.length; i++) {
      const ref = await stock(['passage: ' + sample[i]!], { pooling: 'mean', normalize: true });
      expect(Array.from(mine[i]!)).toEqual(Array.from(ref.data));
    }
    await ours.close();
  }, 120_000);
});
