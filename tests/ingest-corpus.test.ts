import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { CorpusError } from '../src/errors.js';
import { fileHash, readCorpus, type CorpusRead } from '../src/ingest/corpus.js';

const CORPUS = new URL('../corpus/', import.meta.url);
const corpusFile = (name: string) => readFileSync(new URL(name, CORPUS));

/** A pino logger at warn level writing JSON lines into `lines`. */
function capturingLogger() {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(s) });
  return { log, records: () => lines.map((l) => JSON.parse(l) as { file?: string; msg: string; duplicateOf?: string }) };
}

describe('readCorpus', () => {
  let root: string;
  let dir: string;
  let result: CorpusRead;
  let records: Array<{ file?: string; msg: string; duplicateOf?: string }>;
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), corpusFile('003_65547c7958172f08.txt')]);

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'ingest-corpus-'));
    dir = path.join(root, 'corpus');
    const outside = path.join(root, 'outside');
    await fs.mkdir(dir);
    await fs.mkdir(outside);
    await fs.mkdir(path.join(dir, 'sub'));
    const write = (name: string, data: string | Buffer) => fs.writeFile(path.join(dir, name), data);

    await write('a_good.txt', corpusFile('000_7d6114e92663cbab.txt'));
    await write('b_good.txt', corpusFile('001_e807085ce81d8918.txt'));
    await write('c_empty.txt', '');
    await write('d_blank.txt', '  \n\t\n\u00a0\n');
    await write('e_binary.txt', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x0d, 0x0a]));
    await write('f_latin1.txt', Buffer.from('caf\xe9 au lait, d\xe9j\xe0 vu', 'latin1'));
    await write('g_big.txt', 'فقرة طويلة من نص الخبر. '.repeat(2000));
    await write('h_dup.txt', corpusFile('000_7d6114e92663cbab.txt'));
    await fs.writeFile(path.join(outside, 'secret.txt'), corpusFile('002_7885229fa645d1c2.txt'));
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(dir, 'i_outside.txt'));
    await write('j_bom.txt', bom);
    await write('k_chrome.txt', 'اشترك مجانا بقناة الديار على يوتيوب\n\nالأكثر قراءة\n\nلا تهينوا الطائفة الجريحة\n');
    await fs.writeFile(path.join(dir, 'sub', 'real.txt'), corpusFile('004_33a37189b7051aed.txt'));
    await fs.symlink(path.join(dir, 'sub', 'real.txt'), path.join(dir, 'l_inside_link.txt'));
    await fs.symlink(path.join(dir, 'missing.txt'), path.join(dir, 'm_dangling.txt'));
    await write('notes.md', 'not an article');
    await write('README', 'not an article either');

    const capture = capturingLogger();
    result = await readCorpus(dir, capture.log, { maxBytes: 20_000 });
    records = capture.records();
  });

  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('reads the usable .txt files in name order', () => {
    expect(result.articles.map((a) => a.id)).toEqual(['a_good.txt', 'b_good.txt', 'j_bom.txt', 'l_inside_link.txt']);
    const [a] = result.articles;
    expect(a!.path).toBe(path.join(dir, 'a_good.txt'));
    expect(a!.title).toBe('شي يلتقي بوتين ويتعهد بالدفاع عن مصالح الصين وروسيا');
    expect(a!.hash).toBe(fileHash(corpusFile('000_7d6114e92663cbab.txt')));
  });

  it('strips a UTF-8 BOM but hashes the file bytes', () => {
    const article = result.articles.find((a) => a.id === 'j_bom.txt')!;
    expect(article.raw.charCodeAt(0)).not.toBe(0xfeff);
    expect(article.raw).toBe(corpusFile('003_65547c7958172f08.txt').toString('utf8'));
    expect(article.title).toBe('بوتين ونظيره الصيني سيجريان تقيما شاملًا لآفاق الشراكة بين البلدين يوم 28 يونيو - الكرملين');
    expect(article.hash).toBe(fileHash(bom));
  });

  it('skips each unusable file with its reason', () => {
    const reasons = Object.fromEntries(result.skipped.map((s) => [s.file, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual([
      'c_empty.txt', 'd_blank.txt', 'e_binary.txt', 'f_latin1.txt', 'g_big.txt', 'h_dup.txt', 'i_outside.txt', 'k_chrome.txt', 'm_dangling.txt',
    ]);
    expect(reasons['c_empty.txt']).toMatch(/empty/);
    expect(reasons['d_blank.txt']).toMatch(/whitespace/);
    expect(reasons['e_binary.txt']).toMatch(/binary/);
    expect(reasons['f_latin1.txt']).toMatch(/UTF-8/);
    expect(reasons['g_big.txt']).toMatch(/too large.*20000/);
    expect(reasons['h_dup.txt']).toMatch(/duplicate of a_good\.txt/);
    expect(reasons['i_outside.txt']).toMatch(/outside the corpus folder/);
    expect(reasons['k_chrome.txt']).toMatch(/no body text/);
    expect(reasons['m_dangling.txt']).toMatch(/unreadable/);
  });

  it('warns once per skipped file, naming it', () => {
    expect(records).toHaveLength(result.skipped.length);
    for (const { file } of result.skipped) {
      const record = records.find((r) => r.file === file);
      expect(record, file).toBeDefined();
      expect(record!.msg).toContain(file);
    }
    const dup = records.find((r) => r.file === 'h_dup.txt')!;
    expect(dup.msg).toContain('a_good.txt');
    expect(dup.duplicateOf).toBe('a_good.txt');
  });

  it('ignores other files and sub-folders silently', () => {
    const mentioned = JSON.stringify([result, records]);
    expect(mentioned).not.toContain('notes.md');
    expect(mentioned).not.toContain('README');
    expect(mentioned).not.toContain('real.txt');
  });

  it('uses a 5 MB limit by default', async () => {
    const capture = capturingLogger();
    const { articles, skipped } = await readCorpus(dir, capture.log);
    expect(articles.map((a) => a.id)).toContain('g_big.txt');
    expect(skipped.map((s) => s.file)).not.toContain('g_big.txt');
  });

  it('throws CorpusError naming a missing folder and how to fix it', async () => {
    const missing = path.join(root, 'nope');
    const error = await readCorpus(missing, capturingLogger().log).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorpusError);
    expect((error as CorpusError).message).toContain(missing);
    expect((error as CorpusError).message).toContain('CORPUS_DIR');
    expect((error as CorpusError).message).toMatch(/create it/);
  });

  it('throws CorpusError when the path is a file, not a folder', async () => {
    const file = path.join(dir, 'a_good.txt');
    await expect(readCorpus(file, capturingLogger().log)).rejects.toThrow(/is not a folder/);
  });

  it('reads the real corpus without skipping anything', async () => {
    const capture = capturingLogger();
    const { articles, skipped } = await readCorpus(new URL('../corpus/', import.meta.url).pathname, capture.log);
    expect(articles).toHaveLength(5);
    expect(skipped).toEqual([]);
    expect(capture.records()).toEqual([]);
  });
});
