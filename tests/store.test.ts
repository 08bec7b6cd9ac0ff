import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexError } from '../src/errors.js';
import { syncIndex } from '../src/indexing.js';
import { silentLogger } from '../src/log.js';
import { loadIndex, saveIndex, writeFileAtomic } from '../src/store.js';
import { FakeEmbedder } from './helpers/fake-embedder.js';
import { REPO_CORPUS } from './helpers/engine.js';

let dir: string;
let corpusDir: string;
let indexDir: string;
const log = silentLogger();

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-test-'));
  corpusDir = path.join(dir, 'corpus');
  indexDir = path.join(dir, 'index');
  fs.cpSync(REPO_CORPUS, corpusDir, { recursive: true });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const sync = (embedder: FakeEmbedder | null = null) => syncIndex({ corpusDir, indexDir, embedder, log });
const query = (idx: Awaited<ReturnType<typeof sync>>['index'], text: string) =>
  idx.lexical.search(idx.lexical.analyze(text).map((term) => ({ term, weight: 1 })), 5);

describe('persisted index', () => {
  it('builds, saves and loads back the same chunks and rankings', async () => {
    const { index, changes } = await sync();
    expect(changes.added).toHaveLength(5);
    expect(changes.rebuilt).toBe(true);
    const loaded = loadIndex(indexDir);
    expect(loaded.chunks.size).toBe(index.chunks.size);
    expect(query(loaded, 'ميشوستين')).toEqual(query(index, 'ميشوستين'));
    expect(loaded.manifest.files['000_7d6114e92663cbab.txt']!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('re-does nothing when the corpus is unchanged', async () => {
    const embedder = new FakeEmbedder();
    await sync(embedder);
    const first = embedder.passagesEmbedded;
    const { changes } = await sync(embedder);
    expect(embedder.passagesEmbedded).toBe(first);
    expect(changes.added.concat(changes.changed, changes.removed)).toEqual([]);
    expect(changes.rebuilt).toBe(false);
  });

  it('does not parse files whose content the index already has', async () => {
    const { index } = await sync();
    const { readCorpus } = await import('../src/ingest/corpus.js');
    fs.appendFileSync(path.join(corpusDir, '001_e807085ce81d8918.txt'), '\nسطر جديد يضاف إلى المقال لاختبار التغيير.\n');
    const read = await readCorpus(corpusDir, log, { unchanged: (name, hash) => index.manifest.files[name]?.hash === hash });
    expect(read.articles.map((a) => a.id)).toEqual(['001_e807085ce81d8918.txt']);
    expect(read.unchanged.map((u) => u.id).sort()).toEqual(Object.keys(index.manifest.files).filter((f) => !f.startsWith('001_')).sort());
    const { changes } = await sync();
    expect(changes.changed).toEqual(['001_e807085ce81d8918.txt']);
    expect(changes.added.concat(changes.removed)).toEqual([]);
  });

  it('re-embeds only the article that changed, and drops a removed one', async () => {
    const embedder = new FakeEmbedder();
    const { index: before } = await sync(embedder);
    const kept = before.manifest.files['001_e807085ce81d8918.txt']!.labels;
    fs.appendFileSync(path.join(corpusDir, '000_7d6114e92663cbab.txt'), '\nوقال مصدر إن الزيارة تاريخية بكل المقاييس.\n');
    fs.rmSync(path.join(corpusDir, '004_33a37189b7051aed.txt'));
    const beforeCount = embedder.passagesEmbedded;
    const { index, changes } = await sync(embedder);
    expect(changes.changed).toEqual(['000_7d6114e92663cbab.txt']);
    expect(changes.removed).toEqual(['004_33a37189b7051aed.txt']);
    expect(index.manifest.files['001_e807085ce81d8918.txt']!.labels).toEqual(kept);
    const reembedded = embedder.passagesEmbedded - beforeCount;
    expect(reembedded).toBe(index.manifest.files['000_7d6114e92663cbab.txt']!.labels.length);
    expect(query(index, 'تاريخية المقاييس')[0]!.label).toBeOneOf(index.manifest.files['000_7d6114e92663cbab.txt']!.labels);
    expect(query(index, 'لافروف ريا نوفوستي').every((h) => index.chunks.get(h.label)!.docId !== '004_33a37189b7051aed.txt')).toBe(true);
    const dense = index.dense!.search(await embedder.embedQueries(['ريا نوفوستي']).then((v) => v[0]!), 50);
    expect(dense.every((h) => index.chunks.get(h.label)?.docId !== '004_33a37189b7051aed.txt')).toBe(true);
  });

  it('never mixes vectors of two models: a new model re-embeds everything', async () => {
    await sync(new FakeEmbedder('model-a', 32));
    const b = new FakeEmbedder('model-b', 16);
    const { index, changes } = await sync(b);
    expect(changes.rebuilt).toBe(true);
    expect(index.manifest.model).toMatchObject({ id: 'model-b', dimension: 16 });
    expect(b.passagesEmbedded).toBe(index.chunks.size);
    expect(loadIndex(indexDir).manifest.model!.id).toBe('model-b');
  });

  it('keeps answering lexically, and keeps earlier vectors, when the model is missing', async () => {
    await sync(new FakeEmbedder('model-a'));
    const { index } = await sync(null);
    expect(index.manifest.model!.id).toBe('model-a');
    expect(query(index, 'بيسكوف').length).toBeGreaterThan(0);
  });

  it('detects a truncated file, says so, and rebuilds from the corpus', async () => {
    await sync();
    const gen = fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim().split(' ')[0]!;
    const file = path.join(indexDir, gen, 'lexical.json');
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    expect(() => loadIndex(indexDir)).toThrow(IndexError);
    const warnings: string[] = [];
    const { index, changes } = await syncIndex({ corpusDir, indexDir, embedder: null, log: { ...log, warn: (m: string) => warnings.push(String(m)), info() {} } as never });
    expect(changes.rebuilt).toBe(true);
    expect(warnings.join('\n')).toMatch(/unreadable.*checksum/);
    expect(loadIndex(indexDir).chunks.size).toBe(index.chunks.size);
  });

  it('detects a corrupted manifest and a CURRENT pointing nowhere', async () => {
    await sync();
    const gen = fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim().split(' ')[0]!;
    fs.writeFileSync(path.join(indexDir, gen, 'manifest.json'), '{"format": 1, "chunk');
    expect(() => loadIndex(indexDir)).toThrow(IndexError);
    fs.writeFileSync(path.join(indexDir, 'CURRENT'), 'gen-missing\n');
    expect(() => loadIndex(indexDir)).toThrow(/unreadable/);
  });

  it('leaves the previous generation intact when a save is interrupted', async () => {
    const { index } = await sync();
    const gen = fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim().split(' ')[0]!;
    // A save killed half-way leaves a partial generation folder and a temp file behind.
    fs.mkdirSync(path.join(indexDir, 'gen-zzzz-partial'));
    fs.writeFileSync(path.join(indexDir, 'gen-zzzz-partial', 'chunks.json'), '[[0,');
    fs.writeFileSync(path.join(indexDir, 'CURRENT.123.abcd.tmp'), 'gen-zzzz-partial');
    const loaded = loadIndex(indexDir);
    expect(loaded.chunks.size).toBe(index.chunks.size);
    saveIndex(indexDir, loaded);
    expect(fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim().split(' ')[0]).not.toBe(gen);
    expect(fs.existsSync(path.join(indexDir, gen))).toBe(false);
  });

  it('writes files atomically (no partial content visible under the final name)', () => {
    const file = path.join(dir, 'x.json');
    writeFileAtomic(file, 'first');
    writeFileAtomic(file, 'second');
    expect(fs.readFileSync(file, 'utf8')).toBe('second');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
