/**
 * The embedding model's sanity check (src/embed-check.ts): a model whose vectors do not tell the
 * corpus's stories apart must not be used for the dense half. The committed TEST ENCODER fixture
 * (a bag-of-sub-words model) must pass on the five articles; mE5-small's timing twin (its exact
 * architecture with RANDOM weights, in ../shared: skipped where that folder is absent) must fail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkEmbedder, checkEmbedderOnCorpus, sampleStories, type CheckStory } from '../src/embed-check.js';
import { loadEmbedder, type Embedder } from '../src/embed.js';
import { capturingLog } from './helpers/telegram-rules.js';
import { REPO_CORPUS, TEST_ENCODER_DIR } from './helpers/engine.js';

const TWIN = fileURLToPath(new URL('../../shared/models/timing-twin/multilingual-e5-small/', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'embed-check-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** An embedder whose vectors are a fixed function of nothing the text means. */
function fakeEmbedder(vector: (text: string, i: number) => number[]): Pick<Embedder, 'modelId' | 'embedQueries' | 'embedPassages'> {
  let calls = 0;
  const run = async (texts: string[]) => texts.map((t) => Float32Array.from(vector(t, calls++)));
  return { modelId: 'fake', embedQueries: run, embedPassages: run };
}

describe('sampleStories', () => {
  it('takes each story headline and opening from the corpus, keeping an untitled story as a distractor', async () => {
    const stories = await sampleStories(REPO_CORPUS);
    expect(stories).toHaveLength(5);
    expect(stories.filter((s) => s.title === null)).toHaveLength(1);
    for (const s of stories) {
      expect(s.opening.length).toBeGreaterThan(80);
      if (s.title) expect(s.opening).not.toContain(s.title);
    }
  });

  it('reads only a sample of a large folder, spread over it', async () => {
    const dir = path.join(tmp, 'many');
    fs.mkdirSync(dir);
    const body = 'نص المقال الطويل الذي يكفي ليكون افتتاحية للقصة، وفيه جمل كثيرة عن موضوع القصة وتفاصيلها.';
    for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(dir, `${String(i).padStart(3, '0')}.txt`), `عنوان القصة رقم ${i}\n${body} ${i}\n${body}\n`);
    const stories = await sampleStories(dir, 10);
    expect(stories).toHaveLength(10);
    const numbers = stories.map((s) => Number(/(\d+)/.exec(s.title ?? '')?.[1]));
    expect(Math.max(...numbers)).toBeGreaterThanOrEqual(80);
  });
});

describe('checkEmbedder', () => {
  const stories: CheckStory[] = ['أ', 'ب', 'ج', 'د', 'ه'].map((x) => ({ title: `عنوان ${x}`, opening: `افتتاحية ${x}` }));

  it('fails a model whose vectors are all the same (a model for another language: every word unknown)', async () => {
    const check = await checkEmbedder(fakeEmbedder(() => [1, 0, 0]), stories);
    expect(check.status).toBe('failed');
    expect(check.auc).toBeCloseTo(0.5);
    expect(check.summary).toMatch(/lexical retrieval only/);
  });

  it('fails random vectors and passes vectors that follow the story', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
    expect((await checkEmbedder(fakeEmbedder(() => Array.from({ length: 16 }, random)), stories)).status).toBe('failed');
    const letter = (t: string) => ['أ', 'ب', 'ج', 'د', 'ه'].findIndex((x) => t.endsWith(x));
    const meaningful = fakeEmbedder((t) => Array.from({ length: 5 }, (_, k) => (k === letter(t) ? 1 : 0.1)));
    const check = await checkEmbedder(meaningful, stories);
    expect(check).toMatchObject({ status: 'passed', auc: 1, top1: 1, stories: 5 });
  });

  it('does not judge on too few titled stories', async () => {
    const check = await checkEmbedder(fakeEmbedder(() => [1, 0]), stories.slice(0, 2));
    expect(check.status).toBe('skipped');
  });
});

describe('loadEmbedder with a corpus', () => {
  it('keeps the committed test encoder: it passes the check on the five articles', async () => {
    const { embedder, error, check } = await loadEmbedder(
      { embeddingModel: 'test-encoder', modelDir: TEST_ENCODER_DIR, modelCacheDir: os.tmpdir(), corpusDir: REPO_CORPUS, indexDir: path.join(tmp, 'index-te') },
      capturingLog('info').log,
    );
    expect(error).toBeNull();
    expect(embedder).not.toBeNull();
    expect(check?.status).toBe('passed');
    expect(check!.auc!).toBeGreaterThanOrEqual(0.9);
    // Remembered for the next start with the same model and corpus.
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'index-te', 'model-check.json'), 'utf8')).check.status).toBe('passed');
    await embedder!.close();
  }, 60_000);

  it.skipIf(!fs.existsSync(TWIN))('drops the timing twin (random weights): lexical retrieval, and the reason says so', async () => {
    const captured = capturingLog('warn');
    const { embedder, error, check } = await loadEmbedder(
      { embeddingModel: 'twin', modelDir: TWIN, modelCacheDir: os.tmpdir(), corpusDir: REPO_CORPUS },
      captured.log,
    );
    expect(embedder).toBeNull();
    expect(check?.status).toBe('failed');
    expect(check!.auc!).toBeLessThan(0.7);
    expect(error).toMatch(/failed its check/);
    expect(captured.records().map((l) => l.msg).join('\n')).toMatch(/lexical retrieval only: model .* failed its check/);
  }, 120_000);

  it('uses a remembered result only for the same model and sample', async () => {
    const cacheFile = path.join(tmp, 'check-cache.json');
    const letter = (t: string) => (/\d+/.exec(t)?.[0] ?? '0').length;
    let embedded = 0;
    const flat = fakeEmbedder(() => (embedded++, [1, 0]));
    const first = await checkEmbedderOnCorpus(flat, REPO_CORPUS, cacheFile);
    expect(first.status).toBe('failed');
    const calls = embedded;
    expect(await checkEmbedderOnCorpus(flat, REPO_CORPUS, cacheFile)).toEqual(first);
    expect(embedded).toBe(calls);
    // Another model id: checked again, not read from the cache.
    const other = { ...fakeEmbedder((t) => [letter(t), 1]), modelId: 'other' };
    const second = await checkEmbedderOnCorpus(other, REPO_CORPUS, cacheFile);
    expect(JSON.parse(fs.readFileSync(cacheFile, 'utf8')).check.summary).toContain('model other');
    expect(second.summary).toContain('model other');
  });
});
