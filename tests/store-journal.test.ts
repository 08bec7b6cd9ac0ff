/**
 * The index journal (src/store-journal.ts) and `Engine.updateFiles`: records round-trip; a torn
 * last record is dropped and cut off with a warning at every byte it could be cut at; a damaged
 * record with whole ones after it fails the load (rebuilt from the corpus); one article added,
 * changed or removed writes a journal record, not a generation, and is answerable at once and
 * after a reload; unchanged, unusable, byte-identical and near-duplicate files; vectors; a
 * second process's records; merging on reindex. Articles written here are fixtures (copies of
 * the test corpus's articles with a marker sentence).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openEngine } from '../src/engine.js';
import { IndexError } from '../src/errors.js';
import { syncIndex, updateIndexFiles } from '../src/indexing.js';
import { silentLogger } from '../src/log.js';
import { loadIndex, type CorpusIndex } from '../src/store.js';
import { DenseIndex } from '../src/retrieve/dense.js';
import { LexicalIndex } from '../src/retrieve/lexical.js';
import { appendRecords, applyRecord, FILE_WRITER, JOURNAL_FILE, readJournal, type JournalRecord, type JournalWriter } from '../src/store-journal.js';
import type { Chunk, Engine } from '../src/types.js';
import { REPO_CORPUS } from './helpers/engine.js';
import { FakeEmbedder } from './helpers/fake-embedder.js';
import { capturingLog } from './helpers/telegram-rules.js';

let dir: string;
let corpusDir: string;
let indexDir: string;
const engines: Engine[] = [];
const log = silentLogger();

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-test-'));
  corpusDir = path.join(dir, 'corpus');
  indexDir = path.join(dir, 'index');
  fs.cpSync(REPO_CORPUS, corpusDir, { recursive: true });
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const engine of engines.splice(0)) await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const BASE = fs.readFileSync(path.join(REPO_CORPUS, '002_7885229fa645d1c2.txt'), 'utf8');
/** A fixture article: a corpus article with a sentence carrying a word no other article has. */
const article = (word: string, front = '') => `${front}${BASE}\nوقال المراسل إن كلمة ${word} وردت في البيان الختامي للقمة.\n`;
const current = () => fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim().split(' ')[0]!;
const journalOf = () => path.join(indexDir, current(), JOURNAL_FILE);
const has = (index: CorpusIndex, word: string) => [...index.chunks.values()].some((c) => c.text.includes(word));

async function engine(
  embedder: FakeEmbedder | null = null,
  extra: { log?: ReturnType<typeof silentLogger>; merge?: { records?: number; idleMs?: number } } = {},
): Promise<Engine> {
  const e = await openEngine({ corpusDir, indexDir, embedder, log: extra.log ?? log, merge: extra.merge });
  engines.push(e);
  return e;
}

describe('journal records', () => {
  it('round-trip a put with its chunks and vectors, and a remove', async () => {
    const { index } = await syncIndex({ corpusDir, indexDir, embedder: null, log });
    const chunks: Chunk[] = [...index.chunks.values()].slice(0, 3);
    const vectors = chunks.map((_, i) => Float32Array.from({ length: 8 }, (_, d) => i + d / 10));
    const info = { file: 'x.txt', title: 'عنوان', outlet: null, agency: null, date: '2025-05-08', url: 'https://example.org/a', duplicateOf: null };
    const records: JournalRecord[] = [
      { op: 'put', id: 'x.txt', hash: 'ab'.repeat(32), info, chunks, vectors, model: 'm' },
      { op: 'remove', id: 'y.txt' },
    ];
    const file = path.join(dir, JOURNAL_FILE);
    appendRecords(file, records);
    const read = readJournal(file);
    expect(read.torn).toBeNull();
    expect(read.end).toBe(fs.statSync(file).size);
    expect(read.records).toHaveLength(2);
    const put = read.records[0]!;
    if (put.op !== 'put') throw new Error('expected a put');
    expect(put.chunks).toEqual(chunks);
    expect(put.info).toEqual(info);
    expect(put.vectors!.map((v) => [...v])).toEqual(vectors.map((v) => [...v]));
    expect(read.records[1]).toMatchObject({ op: 'remove', id: 'y.txt' });
  });

  it('a torn last record is dropped wherever it is cut (header, body, vectors); the whole ones are kept', async () => {
    const { index } = await syncIndex({ corpusDir, indexDir, embedder: null, log });
    const chunks = [...index.chunks.values()].slice(0, 2);
    const file = path.join(dir, JOURNAL_FILE);
    appendRecords(file, [{ op: 'remove', id: 'a.txt' }]);
    const whole = fs.statSync(file).size;
    appendRecords(file, [{ op: 'put', id: 'b.txt', hash: 'cd'.repeat(32), info: { file: 'b.txt', title: null, outlet: null, agency: null, date: null }, chunks, vectors: null, model: null }]);
    const full = fs.readFileSync(file);
    const cuts = new Set([whole + 1, whole + 4, whole + 8, whole + 11, whole + 12, whole + 13, full.length - 1]);
    for (let cut = whole + 14; cut < full.length; cut += 29) cuts.add(cut);
    for (const cut of cuts) {
      fs.writeFileSync(file, full.subarray(0, cut));
      const read = readJournal(file);
      expect(read.records.map((r) => r.id), `cut at ${cut}`).toEqual(['a.txt']);
      expect(read.end).toBe(whole);
      expect(read.torn?.bytes).toBe(cut - whole);
    }
    // The file grown but never written (zeros), and the last record's bytes garbled.
    fs.writeFileSync(file, Buffer.concat([full.subarray(0, whole), Buffer.alloc(300)]));
    expect(readJournal(file).torn?.reason).toMatch(/zero/);
    const garbled = Buffer.from(full);
    garbled[full.length - 5]! ^= 0xff;
    fs.writeFileSync(file, garbled);
    expect(readJournal(file)).toMatchObject({ end: whole, torn: { reason: expect.stringMatching(/checksum/) } });
  });

  it('a damaged record followed by whole ones is corruption: the load fails and the index is rebuilt with a warning', async () => {
    const e = await engine();
    fs.writeFileSync(path.join(corpusDir, 'new1.txt'), article('زبرجد'));
    fs.writeFileSync(path.join(corpusDir, 'new2.txt'), article('فيروزج'));
    await e.updateFiles(['new1.txt']);
    await e.updateFiles(['new2.txt']);
    const bytes = fs.readFileSync(journalOf());
    bytes[40]! ^= 0x01;
    fs.writeFileSync(journalOf(), bytes);
    expect(() => loadIndex(indexDir)).toThrow(IndexError);
    const { log: warned, records } = capturingLog();
    const { index, changes } = await syncIndex({ corpusDir, indexDir, embedder: null, log: warned });
    expect(changes.rebuilt).toBe(true);
    expect(records().some((l) => l.level === 40 && /journal/.test(l.msg))).toBe(true);
    expect(has(index, 'زبرجد') && has(index, 'فيروزج')).toBe(true);
  });
});

describe('lexical index after a few adds', () => {
  it('reads a term as its row plus the new postings (no rewrite of every row), with the rankings a full merge gives', async () => {
    // 40 articles (copies of the five, each with its own line), so one more is a small part of it.
    for (let k = 0; k < 8; k++) {
      for (const name of fs.readdirSync(REPO_CORPUS)) {
        fs.writeFileSync(path.join(corpusDir, `${k}_${name}`), `${fs.readFileSync(path.join(REPO_CORPUS, name), 'utf8')}\nنسخة ${k}.\n`);
      }
    }
    await syncIndex({ corpusDir, indexDir, embedder: null, log });
    const index = loadIndex(indexDir); // rows as loaded, as in a running bot
    fs.writeFileSync(path.join(corpusDir, 'live.txt'), article('زبرجد'));
    await updateIndexFiles({ corpusDir, indexDir, index, embedder: null, log, files: ['live.txt'] });
    const postings = (index.lexical as unknown as { postings: { pending: number } }).postings;
    expect(postings.pending).toBeGreaterThan(0);
    const queries = ['زبرجد البيان الختامي', 'بوتين شي جين بينغ', 'العلاقات بين روسيا والصين', 'القمة'];
    const run = () =>
      queries.map((q) => {
        const terms = index.lexical.analyze(q);
        return { hits: index.lexical.search(terms.map((term) => ({ term, weight: 1 })), 10), df: terms.map((t) => index.lexical.docFreq(t)) };
      });
    const joined = run();
    expect(postings.pending).toBeGreaterThan(0); // answered without merging
    expect(joined[0]!.hits.length).toBeGreaterThan(0);
    index.lexical.toBinary(); // merges the buffer into the rows
    expect(postings.pending).toBe(0);
    expect(run()).toEqual(joined);
  });
});

describe('Engine.updateFiles', () => {
  it('adds, changes and removes one article through the journal: answerable at once, durable, no new generation', async () => {
    const e = await engine();
    const gen = current();
    const before = e.info().chunks;
    fs.writeFileSync(path.join(corpusDir, 'live.txt'), article('زبرجد', '---\nurl: https://example.org/live\n---\n'));
    const added = await e.updateFiles(['live.txt']);
    expect(added).toMatchObject({ added: ['live.txt'], changed: [], removed: [], rebuilt: false });
    expect(current()).toBe(gen);
    expect(e.info().chunks).toBeGreaterThan(before);
    expect(e.info().articles.find((a) => a.file === 'live.txt')?.url).toBe('https://example.org/live');
    const answer = await e.ask('ما هي كلمة زبرجد في البيان الختامي؟');
    expect(answer.citations.map((c) => c.file)).toContain('live.txt');
    // On disk: the generation plus one journal record.
    expect(readJournal(journalOf()).records.map((r) => r.id)).toEqual(['live.txt']);
    expect(has(loadIndex(indexDir), 'زبرجد')).toBe(true);

    fs.writeFileSync(path.join(corpusDir, 'live.txt'), article('فيروزج'));
    expect(await e.updateFiles(['live.txt'])).toMatchObject({ added: [], changed: ['live.txt'] });
    const reloaded = loadIndex(indexDir);
    expect(has(reloaded, 'فيروزج') && !has(reloaded, 'زبرجد')).toBe(true);
    expect(reloaded.chunks.size).toBe(e.info().chunks);

    fs.rmSync(path.join(corpusDir, 'live.txt'));
    expect(await e.updateFiles(['live.txt'])).toMatchObject({ removed: ['live.txt'] });
    expect(e.info().chunks).toBe(before);
    expect(has(loadIndex(indexDir), 'فيروزج')).toBe(false);
    expect(current()).toBe(gen);
  });

  it('an unchanged file is a no-op; an unusable or byte-identical one is skipped saying why (its old version leaves)', async () => {
    const e = await engine();
    fs.writeFileSync(path.join(corpusDir, 'live.txt'), article('زبرجد'));
    await e.updateFiles(['live.txt']);
    const size = fs.statSync(journalOf()).size;
    expect(await e.updateFiles(['live.txt', 'never-there.txt'])).toMatchObject({ added: [], changed: [], removed: [], skipped: [] });
    expect(fs.statSync(journalOf()).size).toBe(size);

    fs.writeFileSync(path.join(corpusDir, 'live.txt'), Buffer.from([0x41, 0, 0x42]));
    const binary = await e.updateFiles(['live.txt']);
    expect(binary.removed).toEqual(['live.txt']);
    expect(binary.skipped[0]?.reason).toMatch(/binary/);
    expect(e.info().articles.some((a) => a.file === 'live.txt')).toBe(false);

    fs.copyFileSync(path.join(corpusDir, '002_7885229fa645d1c2.txt'), path.join(corpusDir, 'copy.txt'));
    expect((await e.updateFiles(['copy.txt'])).skipped[0]?.reason).toMatch(/duplicate of 002_7885229fa645d1c2\.txt/);
    expect((await e.updateFiles(['../outside.txt'])).skipped[0]?.reason).toMatch(/directly inside/);
  });

  it('a near-duplicate (duplicate-of) is listed with no chunks of its own, here and in a full sync', async () => {
    const e = await engine();
    const before = e.info().chunks;
    fs.writeFileSync(path.join(corpusDir, 'wire.txt'), article('زبرجد', '---\nduplicate-of: 002_7885229fa645d1c2.txt\n---\n'));
    expect((await e.updateFiles(['wire.txt'])).added).toEqual(['wire.txt']);
    expect(e.info().chunks).toBe(before);
    expect(e.info().articles.find((a) => a.file === 'wire.txt')?.duplicateOf).toBe('002_7885229fa645d1c2.txt');
    const { index } = await syncIndex({ corpusDir, indexDir: path.join(dir, 'other-index'), embedder: null, log });
    expect(index.manifest.files['wire.txt']).toMatchObject({ labels: [], info: { duplicateOf: '002_7885229fa645d1c2.txt' } });
  });

  it('embeds the new chunks into the graph, and replay puts the same vectors back', async () => {
    const embedder = new FakeEmbedder();
    const e = await engine(embedder);
    fs.writeFileSync(path.join(corpusDir, 'live.txt'), article('زبرجد'));
    const passages = embedder.passagesEmbedded;
    await e.updateFiles(['live.txt']);
    const reloaded = loadIndex(indexDir);
    const entry = reloaded.manifest.files['live.txt']!;
    expect(embedder.passagesEmbedded - passages).toBe(entry.labels.length);
    expect(entry.embedded).toBe(true);
    // The chunk with the new sentence (the others are the copied article's).
    const label = entry.labels.find((l) => reloaded.chunks.get(l)!.text.includes('زبرجد'))!;
    const [vector] = await embedder.embedPassages([reloaded.chunks.get(label)!.text]);
    expect(reloaded.dense!.search(vector!, 1)[0]).toMatchObject({ label });
    // Starting again replays nothing new: no passage embedded twice.
    const again = embedder.passagesEmbedded;
    await engine(embedder);
    expect(embedder.passagesEmbedded).toBe(again);
  });

  it('updates and reindex run one at a time; reindex merges the journal into a new generation', async () => {
    const e = await engine();
    const gen = current();
    for (const [i, word] of ['زبرجد', 'فيروزج', 'ياقوت'].entries()) fs.writeFileSync(path.join(corpusDir, `live${i}.txt`), article(word));
    const runs = [e.updateFiles(['live0.txt']), e.reindex(), e.updateFiles(['live1.txt', 'live2.txt'])];
    const [first, re, last] = await Promise.all(runs);
    expect(first!.added).toEqual(['live0.txt']);
    expect(re!.added).toEqual(['live1.txt', 'live2.txt']);
    expect(last!.added).toEqual([]); // reindex took them in already
    expect(current()).not.toBe(gen);
    expect(readJournal(journalOf()).records).toHaveLength(0);
    const loaded = loadIndex(indexDir);
    expect(['زبرجد', 'فيروزج', 'ياقوت'].every((w) => has(loaded, w))).toBe(true);
  });

  it('a full journal is merged into a new generation once questions pause, and at twice the bound at once', async () => {
    const e = await engine(null, { merge: { records: 2, idleMs: 1500 } });
    const gen = current();
    for (const [i, word] of ['زبرجد', 'فيروزج'].entries()) {
      fs.writeFileSync(path.join(corpusDir, `live${i}.txt`), article(word));
      await e.updateFiles([`live${i}.txt`]);
    }
    expect(current()).toBe(gen); // full, but the merge waits for a quiet moment
    expect(readJournal(journalOf()).records).toHaveLength(2);
    // Questions keep it waiting; answered meanwhile from the updated index.
    for (let k = 0; k < 5; k++) {
      expect((await e.ask('ما هي كلمة فيروزج في البيان الختامي؟')).citations.map((c) => c.file)).toContain('live1.txt');
      expect(current()).toBe(gen);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await vi.waitFor(() => expect(current()).not.toBe(gen), { timeout: 15_000, interval: 50 });
    expect(readJournal(journalOf()).records).toHaveLength(0);
    expect(['زبرجد', 'فيروزج'].every((w) => has(loadIndex(indexDir), w))).toBe(true);

    // Twice the bound: merged within the update, without waiting.
    const quick = await engine(null, { merge: { records: 1, idleMs: 60_000 } });
    const before = current();
    fs.writeFileSync(path.join(corpusDir, 'live2.txt'), article('ياقوت'));
    await quick.updateFiles(['live2.txt']);
    fs.writeFileSync(path.join(corpusDir, 'live3.txt'), article('مرجان'));
    await quick.updateFiles(['live3.txt']);
    expect(current()).not.toBe(before);
    expect(has(loadIndex(indexDir), 'مرجان')).toBe(true);
  });

  it("start-up replays the journal and merges it; a second process's records are taken in", async () => {
    const a = await engine();
    const b = await engine();
    fs.writeFileSync(path.join(corpusDir, 'from-a.txt'), article('زبرجد'));
    fs.writeFileSync(path.join(corpusDir, 'from-b.txt'), article('فيروزج'));
    await a.updateFiles(['from-a.txt']);
    await b.updateFiles(['from-b.txt']);
    expect(b.info().articles.map((x) => x.file)).toContain('from-a.txt');
    const gen = current();
    const c = await engine();
    expect(c.info().articles.map((x) => x.file)).toEqual(expect.arrayContaining(['from-a.txt', 'from-b.txt']));
    expect(current()).not.toBe(gen);
    // a's next update notices the new generation and loads it first: nothing is lost.
    fs.writeFileSync(path.join(corpusDir, 'from-a2.txt'), article('ياقوت'));
    await a.updateFiles(['from-a2.txt']);
    const loaded = loadIndex(indexDir);
    expect(['زبرجد', 'فيروزج', 'ياقوت'].every((w) => has(loaded, w))).toBe(true);
  });

  it('a torn last record is cut off on load with a warning; everything acknowledged before it stays', async () => {
    const e = await engine();
    fs.writeFileSync(path.join(corpusDir, 'live.txt'), article('زبرجد'));
    await e.updateFiles(['live.txt']);
    const whole = fs.statSync(journalOf()).size;
    fs.appendFileSync(journalOf(), Buffer.from([0x4e, 0x4a, 0x52, 0x31, 0xff, 0x00]));
    const { log: warned, records } = capturingLog();
    const index = loadIndex(indexDir, { log: warned });
    expect(has(index, 'زبرجد')).toBe(true);
    expect(records().some((l) => l.level === 40 && /torn/.test(l.msg))).toBe(true);
    expect(fs.statSync(journalOf()).size).toBe(whole);
  });

  it('when the journal cannot be written the update fails and nothing changes in memory', async () => {
    const { index } = await syncIndex({ corpusDir, indexDir, embedder: null, log });
    fs.writeFileSync(path.join(corpusDir, 'live.txt'), article('زبرجد'));
    const chunks = index.chunks.size;
    fs.rmSync(path.join(indexDir, index.generation!), { recursive: true });
    await expect(updateIndexFiles({ corpusDir, indexDir, index, embedder: null, log, files: ['live.txt'] })).rejects.toThrow(IndexError);
    expect(index.chunks.size).toBe(chunks);
    expect(index.manifest.files['live.txt']).toBeUndefined();
  });
});

describe('a failed append', () => {
  const fault = (code: string) => Object.assign(new Error(`${code}: injected fault`), { code });
  /** A writer whose first write stops halfway and whose next one fails: a disk filling up mid-record. */
  const halfThenFull = (undo: 'works' | 'fails' = 'works'): JournalWriter => {
    let calls = 0;
    return {
      ...FILE_WRITER,
      write: (fd, data, offset, length) => {
        if (calls++ === 0) return FILE_WRITER.write(fd, data, offset, Math.floor(length / 2));
        throw fault('ENOSPC');
      },
      truncate: undo === 'works' ? FILE_WRITER.truncate : () => {
        throw fault('EIO');
      },
    };
  };
  const update = (index: CorpusIndex, file: string, journalWriter?: JournalWriter) =>
    updateIndexFiles({ corpusDir, indexDir, index, embedder: null, log, files: [file], journalWriter });

  it('is cut back off the journal: the next update is acknowledged, and a reload has everything acknowledged, nothing corrupted', async () => {
    const { index } = await syncIndex({ corpusDir, indexDir, embedder: null, log });
    for (const [i, word] of ['زبرجد', 'فيروزج', 'ياقوت', 'مرجان'].entries()) fs.writeFileSync(path.join(corpusDir, `live${i}.txt`), article(word));
    await update(index, 'live0.txt');
    const size = fs.statSync(journalOf()).size;
    await expect(update(index, 'live1.txt', halfThenFull())).rejects.toThrow(/ENOSPC.*the update was not made/);
    expect(fs.statSync(journalOf()).size).toBe(size);
    expect(index.manifest.files['live1.txt']).toBeUndefined();
    // The whole record written, its fsync failing (EIO): cut back as well.
    let syncs = 0;
    const failingSync: JournalWriter = { ...FILE_WRITER, fsync: (fd) => (syncs++ === 0 ? (() => { throw fault('EIO'); })() : FILE_WRITER.fsync(fd)) };
    await expect(update(index, 'live2.txt', failingSync)).rejects.toThrow(IndexError);
    expect(fs.statSync(journalOf()).size).toBe(size);

    await update(index, 'live3.txt');
    const { log: warned, records } = capturingLog();
    const loaded = loadIndex(indexDir, { log: warned });
    expect(readJournal(journalOf())).toMatchObject({ torn: null, end: fs.statSync(journalOf()).size });
    expect(readJournal(journalOf()).records.map((r) => r.id)).toEqual(['live0.txt', 'live3.txt']);
    expect([has(loaded, 'زبرجد'), has(loaded, 'فيروزج'), has(loaded, 'ياقوت'), has(loaded, 'مرجان')]).toEqual([true, false, false, true]);
    expect(records().filter((l) => l.level >= 40)).toEqual([]);
    expect(loaded.chunks.size).toBe(index.chunks.size);
    // And the failed ones go in once the disk takes them.
    await update(index, 'live1.txt');
    expect(has(loadIndex(indexDir), 'فيروزج')).toBe(true);
  });

  it('that cannot be cut back stops the journal: later updates fail saying so, a load drops the torn tail, a reindex starts a new journal', async () => {
    const { index } = await syncIndex({ corpusDir, indexDir, embedder: null, log });
    for (const [i, word] of ['زبرجد', 'فيروزج', 'ياقوت'].entries()) fs.writeFileSync(path.join(corpusDir, `live${i}.txt`), article(word));
    await update(index, 'live0.txt');
    const size = fs.statSync(journalOf()).size;
    await expect(update(index, 'live1.txt', halfThenFull('fails'))).rejects.toThrow(/could not be cut back|cutting it back/);
    expect(fs.statSync(journalOf()).size).toBeGreaterThan(size); // the partial record is still there
    const chunks = index.chunks.size;
    await expect(update(index, 'live2.txt')).rejects.toThrow(/takes no more updates.*\/reindex/);
    expect(fs.statSync(journalOf()).size).toBeGreaterThan(size);
    expect(index.chunks.size).toBe(chunks);
    expect(index.manifest.files['live2.txt']).toBeUndefined();

    const { log: warned, records } = capturingLog();
    const loaded = loadIndex(indexDir, { log: warned });
    expect(records().some((l) => l.level === 40 && /torn/.test(l.msg))).toBe(true);
    expect(has(loaded, 'زبرجد') && !has(loaded, 'فيروزج')).toBe(true);
    expect(fs.statSync(journalOf()).size).toBe(size);

    const gen = current();
    const { index: merged } = await syncIndex({ corpusDir, indexDir, embedder: null, log, current: index });
    expect(current()).not.toBe(gen);
    expect(merged.journal.unusable).toBeUndefined();
    fs.writeFileSync(path.join(corpusDir, 'live3.txt'), article('مرجان'));
    await update(merged, 'live3.txt');
    expect(['زبرجد', 'فيروزج', 'ياقوت', 'مرجان'].every((w) => has(loadIndex(indexDir), w))).toBe(true);
  });
});

describe('a failed apply in memory', () => {
  /** Makes the `nth` call of `method` (from now on) throw once, as running out of memory would. */
  function failOnce<T extends object>(proto: T, method: keyof T & string, nth: number): void {
    const original = proto[method] as (...args: unknown[]) => unknown;
    let calls = 0;
    vi.spyOn(proto, method as never).mockImplementation(function (this: unknown, ...args: unknown[]) {
      if (++calls === nth) throw new Error(`injected: ${method} failed`);
      return original.apply(this, args);
    } as never);
  }
  /**
   * Every chunk belongs to exactly one file entry and is in both indexes; the graph holds no
   * orphan near `probe` (a vector of chunks that were being added).
   */
  function expectConsistent(index: CorpusIndex, probe?: Float32Array): void {
    const labels = Object.entries(index.manifest.files).flatMap(([id, f]) => f.labels.map((l) => [id, l] as const));
    expect(new Set(labels.map(([, l]) => l)).size).toBe(labels.length);
    expect([...index.chunks.keys()].sort((a, b) => a - b)).toEqual(labels.map(([, l]) => l).sort((a, b) => a - b));
    for (const [id, l] of labels) expect(index.chunks.get(l)!.id.startsWith(`${id}#`)).toBe(true);
    expect(index.lexical.size).toBe(index.chunks.size);
    expect(index.manifest.chunks).toBe(index.chunks.size);
    if (index.dense && probe) expect(index.dense.search(probe, 10).filter((h) => !index.chunks.has(h.label))).toEqual([]);
  }
  const fake = new FakeEmbedder();
  const chunkIds = (index: CorpusIndex) => Object.fromEntries(Object.entries(index.manifest.files).map(([id, f]) => [id, f.labels.map((l) => index.chunks.get(l)!.id + index.chunks.get(l)!.text)]));

  for (const [what, proto, method] of [
    ['the graph', DenseIndex.prototype, 'add'],
    ['the lexical index', LexicalIndex.prototype, 'add'],
  ] as const) {
    it(`applyRecord: a failure adding to ${what} partway leaves the file's previous version and no orphan chunk`, async () => {
      const { index } = await syncIndex({ corpusDir, indexDir, embedder: fake, log });
      const id = '002_7885229fa645d1c2.txt';
      const before = chunkIds(index);
      const file = index.manifest.files[id]!;
      const chunks = file.labels.map((l) => index.chunks.get(l)!);
      expect(chunks.length).toBeGreaterThan(1);
      const changed = chunks.map((c) => ({ ...c, text: `${c.text} زبرجد` }));
      const vectors = await fake.embedPassages(changed.map((c) => c.text));
      failOnce(proto, method, 2);
      expect(() => applyRecord(index, { op: 'put', id, hash: 'cd'.repeat(32), info: file.info, chunks: changed, vectors, model: fake.modelId })).toThrow(/injected.*previous version is kept/);
      expect(chunkIds(index)).toEqual(before);
      expect(index.manifest.files[id]!.hash).toBe(file.hash);
      expectConsistent(index, vectors[0]);
      expect(has(index, 'زبرجد')).toBe(false);
      // No stray postings either: the word's terms are in no document.
      const terms = index.lexical.analyzeDocument('زبرجد');
      expect(terms.length).toBeGreaterThan(0);
      expect(terms.map((t) => index.lexical.docFreq(t))).toEqual(terms.map(() => 0));
    });
  }

  it('updateFiles: applying fails after the journal took the update; the index is loaded again from disk, consistent, same as a reload', async () => {
    const { log: warned, records: logged } = capturingLog();
    const e = await engine(fake, { log: warned });
    fs.writeFileSync(path.join(corpusDir, 'live.txt'), article('زبرجد'));
    await e.updateFiles(['live.txt']);
    const live = () => (e as unknown as { index: CorpusIndex }).index;
    const first = live();
    expect(first.manifest.files['live.txt']!.labels.length).toBeGreaterThan(1);
    // The change's second vector cannot be added (as if out of memory), after the journal append.
    fs.writeFileSync(path.join(corpusDir, 'live.txt'), article('فيروزج'));
    fs.writeFileSync(path.join(corpusDir, 'live2.txt'), article('ياقوت'));
    failOnce(DenseIndex.prototype, 'add', 2);
    const changes = await e.updateFiles(['live.txt', 'live2.txt']);
    expect(changes).toMatchObject({ changed: ['live.txt'], added: ['live2.txt'] });
    expect(logged().some((l) => l.level === 40 && /loading the index again/.test(l.msg))).toBe(true);
    const index = live();
    expect(index).not.toBe(first);
    const [probe] = await fake.embedPassages([index.chunks.get(index.manifest.files['live.txt']!.labels[1]!)!.text]);
    expectConsistent(index, probe);
    expect(has(index, 'فيروزج') && has(index, 'ياقوت') && !has(index, 'زبرجد')).toBe(true);
    expect(e.info().chunks).toBe(index.chunks.size);
    expect((await e.ask('ما هي كلمة فيروزج في البيان الختامي؟')).citations.map((c) => c.file)).toContain('live.txt');
    const reloaded = loadIndex(indexDir);
    expect(chunkIds(reloaded)).toEqual(chunkIds(index));
    expectConsistent(reloaded);
    // Later updates go on through the journal.
    fs.writeFileSync(path.join(corpusDir, 'live3.txt'), article('مرجان'));
    expect((await e.updateFiles(['live3.txt'])).added).toEqual(['live3.txt']);
    expect(has(loadIndex(indexDir), 'مرجان')).toBe(true);
  });
});
