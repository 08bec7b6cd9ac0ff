/**
 * Corpus and index faults: every kind of unusable corpus file at once (ingestion completes, each
 * skipped with a warning, nothing read from outside corpus/, a 20 MB file never opened); files
 * removed, swapped or growing while they are read; files changed or removed while a reindex is
 * running; a process killed with SIGKILL at random moments of ingest and of /reindex (a child
 * process, many times: the previous index always loads); every file of the index truncated,
 * emptied, deleted or with a byte flipped (detected on load, rebuilt with a warning, the same
 * answers); and vectors of two models never mixed. Live intake: a process adding articles one
 * at a time through `updateFiles` (journal appends) killed with SIGKILL at random moments:
 * every acknowledged article is there afterwards, nothing unacknowledged but the one in flight,
 * and a torn last journal record is dropped with a warning.
 */
import { spawn, execFileSync } from 'node:child_process';
import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openEngine } from '../src/engine.js';
import { syncIndex } from '../src/indexing.js';
import { readCorpus } from '../src/ingest/corpus.js';
import { silentLogger } from '../src/log.js';
import { rng } from '../src/random.js';
import { loadIndex, type CorpusIndex } from '../src/store.js';
import { encodeRecords, JOURNAL_FILE } from '../src/store-journal.js';
import type { Engine } from '../src/types.js';
import { REPO_CORPUS } from './helpers/engine.js';
import { FakeEmbedder } from './helpers/fake-embedder.js';
import { capturingLog } from './helpers/telegram-rules.js';

const CHILD = fileURLToPath(new URL('./fixtures/reliability/ingest-child.ts', import.meta.url));
const INTAKE_CHILD = fileURLToPath(new URL('./fixtures/reliability/intake-child.ts', import.meta.url));
const QUESTION = 'ماذا قال شي عن العلاقات مع روسيا؟';
const SECRET = 'سرّيّةٌجدًّا';

const roots: string[] = [];
function tempRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-index-'));
  roots.push(root);
  return root;
}
afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A corpus folder with the five test articles, in a fresh temp root (with `outside/` next to it). */
function freshCorpus(): { root: string; corpusDir: string; indexDir: string; outside: string } {
  const root = tempRoot();
  const corpusDir = path.join(root, 'corpus');
  const outside = path.join(root, 'outside');
  fs.cpSync(REPO_CORPUS, corpusDir, { recursive: true });
  fs.mkdirSync(outside);
  // A perfectly good article outside the folder, carrying a word no corpus article has.
  const good = fs.readFileSync(path.join(REPO_CORPUS, '002_7885229fa645d1c2.txt'), 'utf8');
  fs.writeFileSync(path.join(outside, 'secret.txt'), `${good}\nوكشفت الوثيقة ${SECRET} أن الاجتماع سري.\n`);
  return { root, corpusDir, indexDir: path.join(root, 'index'), outside };
}

/** Every chunk text of an index, joined (to prove something was never indexed). */
function allText(index: CorpusIndex): string {
  return [...index.chunks.values()].map((c) => `${c.title}\n${c.text}`).join('\n');
}

/** Every label in the manifest has its chunk, lexical entry and (with a model) vector. */
function expectConsistent(index: CorpusIndex): void {
  const labels = Object.values(index.manifest.files).flatMap((f) => f.labels);
  expect(new Set(labels).size).toBe(labels.length);
  expect(labels.length).toBe(index.chunks.size);
  expect(index.lexical.size).toBe(index.chunks.size);
  for (const label of labels) expect(index.chunks.has(label)).toBe(true);
  const hits = index.lexical.search(index.lexical.analyze('بوتين').map((term) => ({ term, weight: 1 })), 5);
  expect(hits.length).toBeGreaterThan(0);
  for (const hit of hits) expect(index.chunks.has(hit.label)).toBe(true);
}

describe('corpus faults', () => {
  it('skips every kind of unusable file with a warning naming it; ingestion completes and answers', async () => {
    const { corpusDir, indexDir, outside } = freshCorpus();
    const write = (name: string, data: string | Buffer) => fs.writeFileSync(path.join(corpusDir, name), data);
    const article = fs.readFileSync(path.join(REPO_CORPUS, '000_7d6114e92663cbab.txt'));
    write('a_empty.txt', '');
    write('b_blank.txt', ' \n\t\u00a0\n');
    write('c_binary.txt', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]));
    write('d_latin1.txt', Buffer.from('Beyrouth, d\xe9cembre : caf\xe9', 'latin1'));
    write('e_cut_utf8.txt', Buffer.concat([article.subarray(0, 301), Buffer.from([0xd8])])); // a multi-byte character cut in half
    write('f_duplicate.txt', article);
    // 20 MB (sparse: nothing is written, but its size is 20 MB).
    const big = path.join(corpusDir, 'g_20mb.txt');
    fs.closeSync(fs.openSync(big, 'w'));
    fs.truncateSync(big, 20 * 1024 * 1024);
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(corpusDir, 'h_link_outside.txt'));
    fs.symlinkSync('../outside/secret.txt', path.join(corpusDir, 'i_relative_link.txt'));
    fs.symlinkSync(outside, path.join(corpusDir, 'j_link_to_folder.txt'));
    fs.symlinkSync(path.join(corpusDir, 'h_link_outside.txt'), path.join(corpusDir, 'k_link_chain.txt'));
    fs.symlinkSync('/dev/zero', path.join(corpusDir, 'l_dev_zero.txt'));
    fs.symlinkSync(path.join(corpusDir, 'nowhere.txt'), path.join(corpusDir, 'm_dangling.txt'));
    fs.mkdirSync(path.join(corpusDir, 'n_folder.txt'));
    let fifo = false;
    try {
      execFileSync('mkfifo', [path.join(corpusDir, 'o_fifo.txt')]);
      fifo = true;
    } catch {
      // no mkfifo here: that case is skipped
    }

    const open = vi.spyOn(fsp, 'open');
    const readFile = vi.spyOn(fsp, 'readFile');
    const captured = capturingLog('warn');
    const engine = await openEngine({ corpusDir, indexDir, embedder: null, log: captured.log });
    const info = engine.info();
    expect(info.articles.map((a) => a.file).sort()).toEqual(fs.readdirSync(REPO_CORPUS).sort());

    const changes = await engine.reindex(); // the same files again: still skipped, nothing changes
    expect(changes.added.concat(changes.changed, changes.removed)).toEqual([]);
    const reasons = Object.fromEntries(changes.skipped.map((s) => [s.file, s.reason]));
    expect(reasons['a_empty.txt']).toMatch(/empty/);
    expect(reasons['b_blank.txt']).toMatch(/whitespace/);
    expect(reasons['c_binary.txt']).toMatch(/binary/);
    expect(reasons['d_latin1.txt']).toMatch(/UTF-8/);
    expect(reasons['e_cut_utf8.txt']).toMatch(/UTF-8/);
    expect(reasons['f_duplicate.txt']).toMatch(/duplicate of 000_7d6114e92663cbab\.txt/);
    expect(reasons['g_20mb.txt']).toMatch(/too large: 20971520 bytes/);
    for (const name of ['h_link_outside.txt', 'i_relative_link.txt', 'j_link_to_folder.txt', 'k_link_chain.txt', 'l_dev_zero.txt']) {
      expect(reasons[name], name).toMatch(/outside the corpus folder/);
    }
    expect(reasons['m_dangling.txt']).toMatch(/unreadable/);
    // A folder or a FIFO named *.txt is not a file: ignored like sub-folders, never opened.
    expect(reasons['n_folder.txt']).toBeUndefined();
    expect(reasons['o_fifo.txt']).toBeUndefined();
    if (fifo) expect(fs.lstatSync(path.join(corpusDir, 'o_fifo.txt')).isFIFO()).toBe(true);
    expect(changes.skipped).toHaveLength(13);

    // One warning per skipped file and per run, naming it.
    const warnings = captured.records().filter((r) => r.level === 40 && typeof r.file === 'string');
    for (const { file } of changes.skipped) expect(warnings.filter((w) => w.file === file), file).toHaveLength(2);
    // The 20 MB file, the links outside and the FIFO were never opened, let alone read whole.
    const opened = [...open.mock.calls, ...readFile.mock.calls].map((c) => String(c[0]));
    for (const name of ['g_20mb.txt', 'secret.txt', 'o_fifo.txt', '/dev/zero']) expect(opened.some((p) => p.endsWith(name)), name).toBe(false);
    // Nothing from outside is indexed or answered.
    expect((await engine.retrieve(SECRET)).hits.every((h) => !h.chunk.text.includes(SECRET))).toBe(true);
    expect(allText(loadIndex(indexDir))).not.toContain(SECRET);
    const answer = await engine.ask(QUESTION);
    expect(answer.answered).toBe(true);
    await engine.close();
  });

  it('reads the folder through a symlinked CORPUS_DIR, and accepts links that stay inside it', async () => {
    const { root, corpusDir } = freshCorpus();
    fs.mkdirSync(path.join(corpusDir, 'archive'));
    fs.renameSync(path.join(corpusDir, '004_33a37189b7051aed.txt'), path.join(corpusDir, 'archive', 'moved.txt'));
    fs.symlinkSync('archive/moved.txt', path.join(corpusDir, '004_link.txt'));
    const linked = path.join(root, 'corpus-link');
    fs.symlinkSync(corpusDir, linked);
    const { articles, skipped } = await readCorpus(linked, silentLogger());
    expect(skipped).toEqual([]);
    expect(articles.map((a) => a.id)).toContain('004_link.txt');
    expect(articles).toHaveLength(5);
  });

  it('a file removed between listing and reading is skipped with a warning; the rest is read', async () => {
    const { corpusDir } = freshCorpus();
    const victim = path.join(corpusDir, '001_e807085ce81d8918.txt');
    const lstat = fsp.lstat;
    vi.spyOn(fsp, 'lstat').mockImplementation(async (p, ...rest) => {
      if (String(p) === victim) fs.rmSync(victim, { force: true });
      return lstat(p, ...(rest as []));
    });
    const captured = capturingLog('warn');
    const { articles, skipped } = await readCorpus(corpusDir, captured.log);
    expect(articles).toHaveLength(4);
    expect(skipped).toEqual([{ file: '001_e807085ce81d8918.txt', reason: expect.stringMatching(/unreadable: ENOENT/) }]);
    expect(captured.records().filter((r) => r.file === '001_e807085ce81d8918.txt')).toHaveLength(1);
  });

  it('a file swapped for a symlink to outside after it was checked is not followed', async () => {
    const { corpusDir, outside } = freshCorpus();
    const victim = path.join(corpusDir, '003_65547c7958172f08.txt');
    const open = fsp.open;
    vi.spyOn(fsp, 'open').mockImplementation(async (p, ...rest) => {
      if (String(p) === victim && !fs.lstatSync(victim).isSymbolicLink()) {
        fs.rmSync(victim);
        fs.symlinkSync(path.join(outside, 'secret.txt'), victim);
      }
      return open(p, ...(rest as []));
    });
    const { articles, skipped } = await readCorpus(corpusDir, silentLogger());
    expect(articles.map((a) => a.raw).join('')).not.toContain(SECRET);
    expect(skipped).toEqual([{ file: '003_65547c7958172f08.txt', reason: expect.stringMatching(/unreadable: ELOOP/) }]);
  });

  it('a file that grows past the limit after its size was checked is refused without reading it whole', async () => {
    const { corpusDir } = freshCorpus();
    const victim = path.join(corpusDir, '002_7885229fa645d1c2.txt');
    const open = fsp.open;
    vi.spyOn(fsp, 'open').mockImplementation(async (p, ...rest) => {
      const handle = await open(p, ...(rest as []));
      if (String(p) === victim) fs.appendFileSync(victim, Buffer.alloc(64 * 1024, 'ب'));
      return handle;
    });
    const { articles, skipped } = await readCorpus(corpusDir, silentLogger(), { maxBytes: 32 * 1024 });
    expect(articles).toHaveLength(4);
    expect(skipped).toEqual([{ file: '002_7885229fa645d1c2.txt', reason: expect.stringMatching(/too large/) }]);
  });

  it('files changed and removed while a reindex runs: it completes with what it read, questions keep being answered, the next reindex catches up', async () => {
    const { corpusDir, indexDir } = freshCorpus();
    const changed = path.join(corpusDir, '000_7d6114e92663cbab.txt');
    const removed = path.join(corpusDir, '004_33a37189b7051aed.txt');
    let engine: Engine | undefined;
    const answeredMeanwhile: boolean[] = [];
    class MeddlingEmbedder extends FakeEmbedder {
      meddle = false;
      override async embedPassages(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
        if (this.meddle) {
          this.meddle = false;
          fs.appendFileSync(changed, '\nوأضاف المتحدث أن الزيارة ناجحة بكل المقاييس.\n');
          fs.rmSync(removed);
          answeredMeanwhile.push((await engine!.ask(QUESTION)).answered);
        }
        return super.embedPassages(texts, onProgress);
      }
    }
    const embedder = new MeddlingEmbedder();
    engine = await openEngine({ corpusDir, indexDir, embedder, log: silentLogger() });
    fs.writeFileSync(path.join(corpusDir, '005_new.txt'), fs.readFileSync(path.join(REPO_CORPUS, '001_e807085ce81d8918.txt'), 'utf8').replace(/روسيا/g, 'روسيا الاتحادية'));
    embedder.meddle = true;
    const first = await engine.reindex();
    expect(first.added).toEqual(['005_new.txt']);
    expect(first.removed).toEqual([]);
    expect(answeredMeanwhile).toEqual([true]);
    // Quotes still come verbatim from the text as it was read.
    const before = await engine.ask('ميشوستين');
    for (const q of before.quotes) expect(engine.chunk(q.chunkId)!.text).toContain(q.text);
    expectConsistent(loadIndex(indexDir));

    const second = await engine.reindex();
    expect(second.changed).toEqual(['000_7d6114e92663cbab.txt']);
    expect(second.removed).toEqual(['004_33a37189b7051aed.txt']);
    const index = loadIndex(indexDir);
    expectConsistent(index);
    expect(index.manifest.files['004_33a37189b7051aed.txt']).toBeUndefined();
    expect(allText(index)).toContain('ناجحة بكل المقاييس');
    await engine.close();
  });
});

describe('SIGKILL during ingest and /reindex', () => {
  const ITERATIONS = 24;
  const results: Array<{ mode: string; delay: number; saves: number; loaded: string; outcome: string }> = [];

  const modeOf = (i: number) => (i % 2 === 0 ? 'sync' : 'reindex');
  const spawned: Array<ReturnType<typeof spawn>> = [];
  // A failed iteration leaves the next child waiting for «go»: it must not outlive the test.
  afterAll(() => {
    for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  /** Child `i` of the fixture, with promises for its `loaded` and `ready` lines and its end. */
  function spawnChild(i: number, corpusDir: string, indexDir: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, corpusDir, indexDir, modeOf(i), String(i + 1)], { stdio: ['pipe', 'pipe', 'pipe'] });
    spawned.push(child);
    const reported: string[] = [];
    let stderr = '';
    let loaded!: () => void;
    let ready!: () => void;
    const isLoaded = new Promise<void>((resolve) => (loaded = resolve));
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (line === 'loaded') loaded();
        if (line === 'ready') ready();
        if (line.startsWith('saved ')) reported.push(line.slice(6).split(' ')[0]!);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
    child.stdin.on('error', () => {}); // a child that died early: its exit is what the test reports
    // 'close': after the process ended and its output was read to the end.
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('close', (code, signal) => resolve(signal ?? code)));
    return {
      process: child,
      reported,
      stderr: () => stderr,
      loaded: Promise.race([isLoaded.then(() => true), exited.then(() => false)]),
      ready: Promise.race([isReady.then(() => true), exited.then(() => false)]),
      exited,
    };
  }

  it(`the previous index stays intact and loads after each of ${ITERATIONS} kills at random moments`, async () => {
    const root = tempRoot();
    const corpusDir = path.join(root, 'corpus');
    const indexDir = path.join(root, 'index');
    fs.mkdirSync(corpusDir);
    // 40 articles, so a round spends real time reading, embedding and writing.
    for (let k = 0; k < 8; k++) {
      for (const name of fs.readdirSync(REPO_CORPUS)) {
        fs.writeFileSync(path.join(corpusDir, `${k}_${name}`), `${fs.readFileSync(path.join(REPO_CORPUS, name), 'utf8')}\nنسخة ${k}.\n`);
      }
    }
    await syncIndex({ corpusDir, indexDir, embedder: new FakeEmbedder('fake-embedder', 32), log: silentLogger() });
    const random = rng(20250601);
    let known = new Set([fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim().split(' ')[0]!]);

    // Children are spawned AHEAD iterations early, so their start-up (Node and tsx: 0.5 s here,
    // several seconds on a loaded CI machine) overlaps the kills before theirs; a child touches
    // nothing before its own «go».
    const AHEAD = 2;
    const waiting = Array.from({ length: AHEAD }, (_, k) => spawnChild(k, corpusDir, indexDir));
    for (let i = 0; i < ITERATIONS; i++) {
      const mode = modeOf(i);
      // The first two kills come at once (before any save); the rest at seeded random moments.
      const delay = i < 2 ? 0 : Math.floor(random() * 1500);
      const child = waiting.shift()!;
      expect(await child.loaded, `child ${i} did not load: ${child.stderr()}`).toBe(true);
      child.process.stdin.write('go\n');
      if (i + AHEAD < ITERATIONS) waiting.push(spawnChild(i + AHEAD, corpusDir, indexDir));
      expect(await child.ready, `child ${i} did not start: ${child.stderr()}`).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.process.kill('SIGKILL');
      expect(await child.exited, `iteration ${i} (${mode}, ${delay} ms): ${child.stderr()}`).toBe('SIGKILL');
      const reported = child.reported;

      // The index loads, is whole, and is one that was completely written.
      let index: CorpusIndex;
      try {
        index = loadIndex(indexDir);
      } catch (error) {
        throw new Error(`iteration ${i} (${mode}, killed after ${delay} ms, ${reported.length} saves): ${(error as Error).message}\n${fs.readdirSync(indexDir).join(' ')}`);
      }
      expectConsistent(index);
      const current = fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim().split(' ')[0]!;
      const candidates = new Set([...known, ...reported]);
      const outcome = candidates.has(current) ? (reported.length ? 'a reported save' : 'the previous index') : 'an unreported save';
      results.push({ mode, delay, saves: reported.length, loaded: current, outcome });
      // A generation nobody reported (the engine's start-up sync in reindex mode, or a save whose
      // "saved" line the kill cut off) must have been written by this child: newer than any known.
      if (!candidates.has(current)) {
        expect([...known].every((k) => k < current), `iteration ${i}: ${current} is older than ${[...known].join(', ')}`).toBe(true);
      }
      known = new Set([current]);
      const vectorHits = index.dense!.search(new Float32Array(32).fill(1 / Math.sqrt(32)), 5);
      for (const hit of vectorHits) expect(index.chunks.has(hit.label)).toBe(true);
    }

    // Every kill left a loadable index; the next run picks up whatever the corpus became.
    const { index, changes } = await syncIndex({ corpusDir, indexDir, embedder: new FakeEmbedder('fake-embedder', 32), log: silentLogger() });
    expect(changes.rebuilt).toBe(false);
    expectConsistent(index);
    const engine = await openEngine({ corpusDir, indexDir, embedder: new FakeEmbedder('fake-embedder', 32), log: silentLogger() });
    expect((await engine.ask(QUESTION)).answered).toBe(true);
    await engine.close();
    // Kills landed before the first save and after some saves, in both modes.
    expect(results.some((r) => r.saves === 0)).toBe(true);
    expect(results.some((r) => r.saves > 0 && r.mode === 'sync')).toBe(true);
    expect(results.some((r) => r.saves > 0 && r.mode === 'reindex')).toBe(true);
    const tally = (o: string) => results.filter((r) => r.outcome === o).length;
    console.log(
      `SIGKILL: ${results.length} kills; loaded afterwards: the previous index ${tally('the previous index')}, ` +
        `the last reported save ${tally('a reported save')}, an unreported save (start-up sync) ${tally('an unreported save')}`,
    );
    // About 25 s alone here; the timeout is only for a hang: CI runs this beside other files on 2 cores.
  }, 300_000);
});

describe('SIGKILL during live intake (updateFiles, journal appends)', () => {
  const ITERATIONS = 10;
  const spawned: Array<ReturnType<typeof spawn>> = [];
  afterAll(() => {
    for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  function spawnIntake(i: number, corpusDir: string, indexDir: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', INTAKE_CHILD, corpusDir, indexDir, String(i + 1)], { stdio: ['pipe', 'pipe', 'pipe'] });
    spawned.push(child);
    const lines: string[] = [];
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop()!;
      lines.push(...parts);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
    child.stdin.on('error', () => {});
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('close', (code, signal) => resolve(signal ?? code)));
    const waitFor = (line: string) =>
      Promise.race([
        new Promise<boolean>((resolve) => {
          const poll = setInterval(() => {
            if (lines.includes(line)) {
              clearInterval(poll);
              resolve(true);
            }
          }, 5);
          void exited.then(() => clearInterval(poll));
        }),
        exited.then(() => lines.includes(line)),
      ]);
    return { process: child, lines, stderr: () => stderr, loaded: waitFor('loaded'), ready: () => waitFor('ready'), exited };
  }

  it(`every acknowledged article survives each of ${ITERATIONS} kills; a torn record is dropped with a warning`, async () => {
    const root = tempRoot();
    const corpusDir = path.join(root, 'corpus');
    const indexDir = path.join(root, 'index');
    fs.cpSync(REPO_CORPUS, corpusDir, { recursive: true });
    await syncIndex({ corpusDir, indexDir, embedder: new FakeEmbedder('fake-embedder', 32), log: silentLogger() });
    const random = rng(20261204);
    /** Live files acknowledged as added (and not since acknowledged as removed), by marker. */
    const acked = new Map<string, string>();
    let torn = 0;
    let inFlightKills = 0;
    const waiting = [spawnIntake(0, corpusDir, indexDir)];
    for (let i = 0; i < ITERATIONS; i++) {
      const child = waiting.shift()!;
      expect(await child.loaded, `child ${i} did not load: ${child.stderr()}`).toBe(true);
      child.process.stdin.write('go\n');
      if (i + 1 < ITERATIONS) waiting.push(spawnIntake(i + 1, corpusDir, indexDir));
      expect(await child.ready(), `child ${i} did not start: ${child.stderr()}`).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(random() * 1200)));
      child.process.kill('SIGKILL');
      expect(await child.exited, `iteration ${i}: ${child.stderr()}`).toBe('SIGKILL');

      let inFlight: string | null = null;
      let removing = false;
      for (const line of child.lines) {
        const [what, name] = line.split(' ');
        if (what === 'writing' || what === 'removing') {
          inFlight = name!;
          removing = what === 'removing';
        }
        if (what === 'acked') {
          acked.set(name!, `M${name!.split('_')[1]}x${name!.split('_')[2]!.replace('.txt', '')}M`);
          inFlight = null;
        }
        if (what === 'removed') {
          acked.delete(name!);
          inFlight = null;
        }
      }
      if (inFlight) inFlightKills++;
      const { log: warned, records } = capturingLog();
      let index: CorpusIndex;
      try {
        index = loadIndex(indexDir, { log: warned });
      } catch (error) {
        throw new Error(`iteration ${i} (in flight: ${inFlight}): ${(error as Error).message}`);
      }
      if (records().some((r) => r.level === 40 && /torn/.test(r.msg))) torn++;
      expectConsistent(index);
      const live = Object.keys(index.manifest.files).filter((f) => f.startsWith('live_'));
      // Every acknowledged article is there, with its own text; nothing else but the one in flight.
      for (const [name, marker] of acked) {
        if (removing && name === inFlight) continue; // its removal may or may not have landed
        const entry = index.manifest.files[name];
        expect(entry, `iteration ${i}: acknowledged ${name} is missing`).toBeDefined();
        expect(entry!.labels.some((l) => index.chunks.get(l)!.text.includes(marker)), `iteration ${i}: ${name} lacks ${marker}`).toBe(true);
      }
      for (const name of live) expect(acked.has(name) || name === inFlight, `iteration ${i}: ${name} was never acknowledged`).toBe(true);
      for (const name of fs.readdirSync(REPO_CORPUS)) expect(index.manifest.files[name]).toBeDefined();
      // The update the kill interrupted is undone in the folder too (the next start syncs it away).
      if (inFlight && !removing) fs.rmSync(path.join(corpusDir, inFlight), { force: true });
      if (inFlight && removing) acked.delete(inFlight);
    }
    expect(acked.size).toBeGreaterThan(5);

    // A crash in the middle of an append, made certain: the first half of a real record's bytes
    // at the end of the journal (what a kill inside write() leaves). It is dropped, with a warning.
    const gen = fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim().split(' ')[0]!;
    const journal = path.join(indexDir, gen, JOURNAL_FILE);
    const whole = fs.existsSync(journal) ? fs.statSync(journal).size : 0;
    const before = loadIndex(indexDir);
    const chunk = [...before.chunks.values()][0]!;
    const frame = encodeRecords([{ op: 'put', id: 'torn.txt', hash: 'ef'.repeat(32), info: { file: 'torn.txt', title: null, outlet: null, agency: null, date: null }, chunks: [chunk], vectors: null, model: null }]);
    fs.appendFileSync(journal, frame.subarray(0, Math.floor(frame.length / 2)));
    const { log: warned, records } = capturingLog();
    const after = loadIndex(indexDir, { log: warned });
    expect(after.manifest.files['torn.txt']).toBeUndefined();
    expect(Object.keys(after.manifest.files).sort()).toEqual(Object.keys(before.manifest.files).sort());
    expect(records().some((r) => r.level === 40 && /torn/.test(r.msg))).toBe(true);
    expect(fs.statSync(journal).size).toBe(whole);
    console.log(`SIGKILL during intake: ${ITERATIONS} kills, ${acked.size} articles acknowledged and kept, ${inFlightKills} kills with an update in flight, ${torn} torn records dropped`);
  }, 300_000);
});

describe('a damaged index is detected on load and rebuilt, with a warning', () => {
  let baseline: { answer: string; chunks: number };
  let pristine: string;
  beforeAll(async () => {
    const { corpusDir, indexDir, root } = freshCorpus();
    const engine = await openEngine({ corpusDir, indexDir, embedder: new FakeEmbedder(), log: silentLogger() });
    baseline = { answer: (await engine.ask(QUESTION)).answer, chunks: engine.info().chunks };
    await engine.close();
    pristine = root;
  });

  /** A copy of the pristine corpus + index, damaged by `damage(genDir, indexDir)`. */
  function damaged(damage: (gen: string, indexDir: string) => void): { corpusDir: string; indexDir: string } {
    const root = tempRoot();
    fs.cpSync(pristine, root, { recursive: true });
    const indexDir = path.join(root, 'index');
    const gen = path.join(indexDir, fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim().split(' ')[0]!);
    damage(gen, indexDir);
    return { corpusDir: path.join(root, 'corpus'), indexDir };
  }

  async function expectRebuilt({ corpusDir, indexDir }: { corpusDir: string; indexDir: string }, what: string): Promise<void> {
    expect(() => loadIndex(indexDir), `${what}: detected on load`).toThrow(/index/i);
    const captured = capturingLog('info');
    const embedder = new FakeEmbedder();
    const engine = await openEngine({ corpusDir, indexDir, embedder, log: captured.log });
    const warnings = captured.records().filter((r) => r.level === 40);
    expect(warnings.map((w) => w.msg).join('\n'), `${what}: a warning`).toMatch(/unreadable|missing|rebuil/i);
    expect(embedder.passagesEmbedded, `${what}: rebuilt`).toBe(baseline.chunks);
    expect((await engine.ask(QUESTION)).answer, `${what}: same answers`).toBe(baseline.answer);
    expectConsistent(loadIndex(indexDir));
    await engine.close();
  }

  const FILES = ['manifest.json', 'chunks.json', 'lexical.json', 'hnsw.bin'];
  const DAMAGE: Record<string, (file: string) => void> = {
    truncated: (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2)),
    emptied: (file) => fs.truncateSync(file, 0),
    deleted: (file) => fs.rmSync(file),
    'garbage appended': (file) => fs.appendFileSync(file, '\u0000garbage'),
  };
  for (const name of FILES) {
    for (const [how, damage] of Object.entries(DAMAGE)) {
      it(`${name} ${how}`, async () => {
        await expectRebuilt(damaged((gen) => damage(path.join(gen, name))), `${name} ${how}`);
      });
    }
  }

  it('CURRENT pointing at a missing folder, at garbage, or emptied', async () => {
    await expectRebuilt(damaged((_gen, dir) => fs.writeFileSync(path.join(dir, 'CURRENT'), 'gen-gone-0000\n')), 'CURRENT → missing');
    await expectRebuilt(damaged((_gen, dir) => fs.writeFileSync(path.join(dir, 'CURRENT'), '../../etc\n')), 'CURRENT → garbage');
    await expectRebuilt(damaged((_gen, dir) => fs.writeFileSync(path.join(dir, 'CURRENT'), '')), 'CURRENT emptied');
  });

  it('CURRENT deleted while generation folders remain', async () => {
    await expectRebuilt(damaged((_gen, dir) => fs.rmSync(path.join(dir, 'CURRENT'))), 'CURRENT deleted');
  });

  it('one byte flipped anywhere in any index file (30 seeded positions)', async () => {
    const random = rng(7);
    for (let k = 0; k < 30; k++) {
      const name = [...FILES, 'CURRENT'][Math.floor(random() * (FILES.length + 1))]!;
      const fraction = random();
      const bit = 1 << Math.floor(random() * 8);
      let where = '';
      const target = damaged((gen, dir) => {
        const file = name === 'CURRENT' ? path.join(dir, 'CURRENT') : path.join(gen, name);
        const bytes = fs.readFileSync(file);
        const at = Math.min(bytes.length - 1, Math.floor(fraction * bytes.length));
        bytes[at] = bytes[at]! ^ bit;
        where = `${name}@${at}^${bit}`;
        fs.writeFileSync(file, bytes);
      });
      await expectRebuilt(target, where);
    }
  }, 120_000);
});

describe('vectors of two models are never mixed', () => {
  /** A fake model whose vectors differ from another id's (a rotation of the base vector). */
  class SaltedEmbedder extends FakeEmbedder {
    private readonly shift: number;
    constructor(id: string) {
      super(id, 32);
      this.shift = [...id].reduce((n, c) => n + c.charCodeAt(0), 0) % 31 + 1;
    }
    private rotate(v: Float32Array): Float32Array {
      const out = new Float32Array(v.length);
      v.forEach((x, i) => (out[(i + this.shift) % v.length] = x));
      return out;
    }
    override async embedQueries(texts: string[]): Promise<Float32Array[]> {
      return (await super.embedQueries(texts)).map((v) => this.rotate(v));
    }
    override async embedPassages(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
      return (await super.embedPassages(texts, onProgress)).map((v) => this.rotate(v));
    }
  }

  /** Every indexed chunk's vector is the one `model` gives its text: its own nearest neighbour at similarity 1. */
  async function expectAllVectorsFrom(index: CorpusIndex, model: SaltedEmbedder): Promise<void> {
    expect(index.manifest.model!.id).toBe(model.modelId);
    const entries = [...index.chunks.entries()];
    const vectors = await model.embedQueries(entries.map(([, c]) => c.text));
    entries.forEach(([label], i) => {
      const [best] = index.dense!.search(vectors[i]!, 1);
      expect(best!.score).toBeGreaterThan(0.9999);
      // Identical texts share a vector; otherwise the nearest is the chunk itself.
      expect(index.chunks.get(best!.label)!.text).toBe(index.chunks.get(label)!.text);
    });
  }

  it('same dimension, another model; files added while no model was loaded; a model coming back', async () => {
    const { corpusDir, indexDir } = freshCorpus();
    const a = new SaltedEmbedder('model-a');
    const b = new SaltedEmbedder('model-b');
    const log = silentLogger();
    await expectAllVectorsFrom((await syncIndex({ corpusDir, indexDir, embedder: a, log })).index, a);

    // No model: a new file is indexed lexically only; model-a's vectors are kept.
    fs.writeFileSync(path.join(corpusDir, '005_new.txt'), fs.readFileSync(path.join(REPO_CORPUS, '003_65547c7958172f08.txt'), 'utf8') + '\nخبر جديد.\n');
    const lexicalOnly = (await syncIndex({ corpusDir, indexDir, embedder: null, log })).index;
    expect(lexicalOnly.manifest.files['005_new.txt']!.embedded).toBe(false);
    expect(lexicalOnly.manifest.model!.id).toBe('model-a');

    // model-a back: only the new file is embedded, with model-a.
    const before = a.passagesEmbedded;
    const withA = (await syncIndex({ corpusDir, indexDir, embedder: a, log })).index;
    expect(a.passagesEmbedded - before).toBe(withA.manifest.files['005_new.txt']!.labels.length);
    await expectAllVectorsFrom(withA, a);

    // model-b (same dimension): everything re-embedded with model-b, nothing of model-a left.
    const { index: withB, changes } = await syncIndex({ corpusDir, indexDir, embedder: b, log });
    expect(changes.rebuilt).toBe(true);
    expect(b.passagesEmbedded).toBe(withB.chunks.size);
    await expectAllVectorsFrom(withB, b);
    await expectAllVectorsFrom(loadIndex(indexDir), b);

    // An engine over model-b's index with model-a loaded re-embeds rather than searching across models.
    const engine = await openEngine({ corpusDir, indexDir, embedder: new SaltedEmbedder('model-a'), log });
    expect(engine.info()).toMatchObject({ mode: 'hybrid', model: 'model-a' });
    await expectAllVectorsFrom(loadIndex(indexDir), new SaltedEmbedder('model-a'));
    await engine.close();
  });

  it("an hnsw.bin from another model's index is caught by its checksum, not searched", async () => {
    const one = freshCorpus();
    const two = freshCorpus();
    await syncIndex({ corpusDir: one.corpusDir, indexDir: one.indexDir, embedder: new SaltedEmbedder('model-a'), log: silentLogger() });
    await syncIndex({ corpusDir: two.corpusDir, indexDir: two.indexDir, embedder: new SaltedEmbedder('model-b'), log: silentLogger() });
    const gen = (dir: string) => path.join(dir, fs.readFileSync(path.join(dir, 'CURRENT'), 'utf8').trim().split(' ')[0]!);
    fs.copyFileSync(path.join(gen(two.indexDir), 'hnsw.bin'), path.join(gen(one.indexDir), 'hnsw.bin'));
    expect(() => loadIndex(one.indexDir)).toThrow(/hnsw\.bin does not match its checksum/);
  });
});
