/**
 * The committed test encoder (tests/fixtures/test-encoder, a TEST FIXTURE, not the product model)
 * loads through transformers.js like a real model, behaves like a bag of sub-words, survives any
 * input, and is exactly what scripts/make-test-encoder.ts generates from the test corpus (tests/fixtures/corpus).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, pipeline } from '@xenova/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusFingerprint, makeTestEncoder } from '../scripts/make-test-encoder.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const FIXTURE_DIR = join(FIXTURES, 'test-encoder');

interface Embedded {
  dims: number[];
  data: Float32Array;
}
type Extractor = ((texts: string[], options: { pooling: 'mean'; normalize: boolean }) => Promise<Embedded>) & {
  tokenizer: (text: string, options: { truncation: boolean }) => { input_ids: { dims: number[] } };
};

async function load(quantized: boolean): Promise<Extractor> {
  env.allowRemoteModels = false;
  env.localModelPath = FIXTURES + '/';
  return (await pipeline('feature-extraction', 'test-encoder', { quantized })) as unknown as Extractor;
}

function rows(out: Embedded): Float32Array[] {
  const [n, d] = out.dims as [number, number];
  return Array.from({ length: n }, (_, i) => out.data.slice(i * d, (i + 1) * d));
}
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((f) => (statSync(join(dir, f)).isDirectory() ? listFiles(join(dir, f)) : [join(dir, f)]))
    .sort();
}
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('test encoder fixture', () => {
  let extractor: Extractor;
  let dim: number;
  const embed = async (texts: string[]) => rows(await extractor(texts, { pooling: 'mean', normalize: true }));

  beforeAll(async () => {
    extractor = await load(true);
    dim = (JSON.parse(readFileSync(join(FIXTURE_DIR, 'config.json'), 'utf8')) as { hidden_size: number }).hidden_size;
  });

  it('embeds Arabic and English texts as unit vectors of the configured dimension', async () => {
    const texts = [
      'query: ماذا قال بوتين عن العلاقات مع الصين؟',
      'passage: التقى الرئيس الروسي فلاديمير بوتين نظيره الصيني شي جين بينغ في موسكو.',
      'passage: The Russian president met his Chinese counterpart in Moscow.',
      'query: 2025',
    ];
    const out = await extractor(texts, { pooling: 'mean', normalize: true });
    expect(out.dims).toEqual([texts.length, dim]);
    for (const v of rows(out)) expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
  });

  it('is a bag of sub-words: shared words make texts similar, diacritics do not matter', async () => {
    const [a, b, c, d, e] = await embed([
      'التقى الرئيس الروسي فلاديمير بوتين نظيره الصيني شي جين بينغ اليوم في موسكو',
      'الرئيس الروسي فلاديمير بوتين التقى نظيره الصيني شي جين بينغ في الكرملين',
      'ارتفعت أسعار النفط في الأسواق العالمية بعد قرار خفض الإنتاج',
      'وَالصِّينِيَّةُ',
      'والصينية',
    ]);
    const similar = dot(a!, b!);
    const unrelated = dot(a!, c!);
    expect(similar).toBeGreaterThan(0.7);
    expect(unrelated).toBeLessThan(0.4);
    expect(similar - unrelated).toBeGreaterThan(0.4);
    expect(dot(d!, e!)).toBeCloseTo(1, 5);
  });

  it('never throws on odd input and truncates long input at 512 tokens', async () => {
    const long = Array.from({ length: 3000 }, (_, i) => ['الصين', 'روسيا', 'word', String(i)][i % 4]).join(' ');
    expect(extractor.tokenizer(long, { truncation: true }).input_ids.dims).toEqual([1, 512]);
    const odd = ['', '   ', '😀🚀🇸🇦', 'ًٌٍَُِّْ', 'ـــ', long, 'mixed عربي English ١٢٣ 😀 [MASK]'];
    const out = await extractor(odd, { pooling: 'mean', normalize: true });
    expect(out.dims).toEqual([odd.length, dim]);
    for (const v of rows(out)) {
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    }
  });

  it('loads unquantized too, with the same vectors', async () => {
    const texts = ['passage: شي يلتقي بوتين ويتعهد بالدفاع عن مصالح الصين وروسيا', 'query: hello'];
    const q = rows(await extractor(texts, { pooling: 'mean', normalize: true }));
    const f = rows(await (await load(false))(texts, { pooling: 'mean', normalize: true }));
    for (let i = 0; i < texts.length; i++) for (let k = 0; k < dim; k++) expect(f[i]![k]).toBeCloseTo(q[i]![k]!, 6);
  });

  describe('regeneration', () => {
    let tmp: string;
    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), 'test-encoder-'));
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it('reproduces the committed files byte for byte from the test corpus (tests/fixtures/corpus)', () => {
      const config = JSON.parse(readFileSync(join(FIXTURE_DIR, 'config.json'), 'utf8')) as {
        test_fixture: { corpus_sha256: string };
      };
      expect(
        corpusFingerprint(),
        'tests/fixtures/corpus changed since the test encoder was generated: run `npm run fixture:encoder` and commit tests/fixtures/test-encoder',
      ).toBe(config.test_fixture.corpus_sha256);

      makeTestEncoder(tmp);
      const committed = listFiles(FIXTURE_DIR).map((p) => relative(FIXTURE_DIR, p));
      const generated = listFiles(tmp).map((p) => relative(tmp, p));
      expect(generated).toEqual(committed);
      for (const rel of committed) expect(sha256(join(tmp, rel)), rel).toBe(sha256(join(FIXTURE_DIR, rel)));
    });
  });
});
