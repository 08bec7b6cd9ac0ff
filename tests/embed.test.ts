/**
 * The product's embedding code (src/embed.ts) run on the TEST ENCODER fixture through MODEL_DIR:
 * the same transformers.js loading and pooling path as the real model, without network.
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEmbedder, resolveModelSource, type Embedder } from '../src/embed.js';
import { ModelError } from '../src/errors.js';
import { silentLogger } from '../src/log.js';
import { TEST_ENCODER_DIR, loadTestEncoder } from './helpers/engine.js';

let embedder: Embedder;
beforeAll(async () => {
  embedder = await loadTestEncoder();
});
afterAll(async () => embedder.close());

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('transformers.js embedder (test-encoder fixture)', () => {
  it('reports the dimension of the vectors it makes and a content fingerprint as model id', async () => {
    const [v] = await embedder.embedQueries(['من هو المتحدث باسم الكرملين؟']);
    expect(v!.length).toBe(embedder.dimension);
    expect(embedder.modelId).toMatch(/^test-encoder@[0-9a-f]{16}$/);
  });
  it('returns unit-length vectors', async () => {
    for (const v of await embedder.embedPassages(['التقى الرئيس الروسي نظيره الصيني في موسكو.', 'نص آخر'])) {
      expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    }
  });
  it('keeps the input order although it batches passages by length', async () => {
    const texts = ['قصير', 'نص أطول قليلا من الذي قبله عن الغاز', 'متوسط الطول عن الصين', 'جملة طويلة جدا عن التعاون العسكري بين روسيا والصين في مجال الطاقة والتجارة'];
    const batched = await embedder.embedPassages(texts);
    const single = await Promise.all(texts.map(async (t) => (await embedder.embedPassages([t]))[0]!));
    batched.forEach((v, i) => expect(dot(v, single[i]!)).toBeCloseTo(1, 4));
  });
  it('reports progress while embedding passages', async () => {
    const seen: Array<[number, number]> = [];
    await embedder.embedPassages(Array.from({ length: 20 }, (_, i) => `فقرة رقم ${i}`), (done, total) => seen.push([done, total]));
    expect(seen.at(-1)).toEqual([20, 20]);
    expect(seen.length).toBeGreaterThan(1);
  });
  it('puts texts that share words closer than unrelated ones', async () => {
    const [q, near, far] = await embedder.embedPassages(['التعاون العسكري بين روسيا والصين', 'روسيا والصين تعززان التعاون العسكري', 'الطقس مشمس في كندا اليوم']);
    expect(dot(q!, near!)).toBeGreaterThan(dot(q!, far!));
  });
  it('counts tokens with the model tokenizer', () => {
    expect(embedder.countTokens('')).toBe(0);
    expect(embedder.countTokens('التعاون العسكري')).toBeGreaterThan(1);
  });
});

describe('loadEmbedder', () => {
  const log = silentLogger();
  it('returns no embedder, with the reason, when the model is disabled', async () => {
    const { embedder: e, error } = await loadEmbedder({ embeddingModel: null, modelDir: null, modelCacheDir: os.tmpdir() }, log);
    expect(e).toBeNull();
    expect(error).toMatch(/EMBEDDING_MODEL=none/);
  });
  it('returns no embedder, naming MODEL_DIR, when the folder holds no model', async () => {
    const { embedder: e, error } = await loadEmbedder({ embeddingModel: 'x', modelDir: os.tmpdir(), modelCacheDir: os.tmpdir() }, log);
    expect(e).toBeNull();
    expect(error).toMatch(/MODEL_DIR=.*does not hold a transformers\.js model/);
  });
  it('resolves MODEL_DIR to a local source and throws ModelError for a bad one', () => {
    expect(resolveModelSource({ embeddingModel: 'Xenova/multilingual-e5-small', modelDir: TEST_ENCODER_DIR })).toMatchObject({ id: 'test-encoder' });
    expect(resolveModelSource({ embeddingModel: 'Xenova/multilingual-e5-small', modelDir: null })).toEqual({
      id: 'Xenova/multilingual-e5-small',
      localPath: null,
      fingerprint: 'Xenova/multilingual-e5-small',
    });
    expect(() => resolveModelSource({ embeddingModel: 'x', modelDir: os.tmpdir() })).toThrow(ModelError);
  });
});
