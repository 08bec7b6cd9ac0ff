/**
 * End to end through the CLI contract: ingest the test corpus, then ask the dev questions via
 * `ask --json` (stdin mode, one JSON object per line) and a single question, lexical only and
 * with the test-encoder fixture as the model.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containsExpected, isGold, parseQuestionSet } from '../src/evaluation.js';
import { REPO_CORPUS, TEST_ENCODER_DIR } from './helpers/engine.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** mE5-small's timing twin (random weights), beside the repository when ../shared is there. */
const TWIN = path.join(ROOT, '..', 'shared', 'models', 'timing-twin', 'multilingual-e5-small');
const dev = parseQuestionSet(fs.readFileSync(path.join(ROOT, 'tests/fixtures/dev.jsonl'), 'utf8'), 'dev.jsonl');
let tmp: string;

function run(script: string, args: string[], env: Record<string, string>, input?: string) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli', script), ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH!, HOME: os.tmpdir(), CORPUS_DIR: REPO_CORPUS, LOG_LEVEL: 'warn', ...env },
    timeout: 120_000,
  });
  return result;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.each([
  ['lexical only (no model)', { EMBEDDING_MODEL: 'none' }],
  ['with the test-encoder fixture as model', { MODEL_DIR: TEST_ENCODER_DIR }],
])('CLI, %s', (_name, modelEnv) => {
  let env: Record<string, string>;
  beforeAll(() => {
    env = { ...modelEnv, INDEX_DIR: fs.mkdtempSync(path.join(tmp, 'index-')) };
  });

  it('ingests the corpus and prints a summary', () => {
    const r = run('ingest.ts', [], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/articles: 5/);
    expect(r.stderr).toMatch(/chunks: \d+/);
    expect(r.stderr).toMatch(/skipped files: 0/);
    expect(r.stderr).toMatch(/seconds: \d/);
    expect(fs.existsSync(path.join(env.INDEX_DIR!, 'CURRENT'))).toBe(true);
  });

  it('answers the dev questions through ask --json on stdin, one object per line', () => {
    const r = run('ask.ts', ['--json'], env, dev.map((q) => q.q).join('\n') + '\n');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(dev.length);
    const answers = lines.map((l) => JSON.parse(l));
    for (const a of answers) {
      expect(Object.keys(a)).toEqual(expect.arrayContaining(['question', 'answered', 'answer', 'citations', 'timings']));
      expect(typeof a.timings.totalMs).toBe('number');
      for (const c of a.citations) {
        expect(Object.keys(c)).toEqual(expect.arrayContaining(['n', 'file', 'title', 'outlet', 'date', 'passage', 'score']));
        expect(fs.existsSync(path.join(REPO_CORPUS, c.file))).toBe(true);
      }
    }
    // Quality floor on the dev set (lexical retrieval carries the Arabic questions alone).
    const arabic = dev.filter((q) => ['fact', 'paraphrase', 'dialect'].includes(q.kind));
    const byQ = new Map(answers.map((a, i) => [dev[i]!.id, a]));
    const hit3 = arabic.filter((q) => byQ.get(q.id).citations.slice(0, 3).some((c: { file: string }) => isGold(c.file, q.gold))).length;
    const fact = arabic.filter((q) => containsExpected(byQ.get(q.id).answer, q.expect)).length;
    expect(hit3 / arabic.length).toBeGreaterThanOrEqual(0.9);
    expect(fact / arabic.length).toBeGreaterThanOrEqual(0.8);
    const unanswerable = dev.filter((q) => q.kind === 'unanswerable');
    expect(unanswerable.filter((q) => !byQ.get(q.id).answered).length).toBeGreaterThanOrEqual(2);
    expect(arabic.filter((q) => !byQ.get(q.id).answered).length).toBeLessThanOrEqual(1);
  });

  it('prints exactly one JSON object for a question given as an argument, logs on stderr only', () => {
    const r = run('ask.ts', ['--json', 'من هو المتحدث باسم الكرملين؟'], env);
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out).toHaveLength(1);
    const a = JSON.parse(out[0]!);
    expect(a.answered).toBe(true);
    expect(a.answer).toContain('بيسكوف');
  });

  it('prints a readable answer with sources without --json', () => {
    const r = run('ask.ts', ['لماذا شكر لافروف الصين؟'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\[1\]/);
    expect(r.stdout).toMatch(/المصادر/);
  });
});

describe('CLI without a model', () => {
  it('says once, on stderr, that answers are lexical only, and flags it in the JSON', () => {
    const env = { EMBEDDING_MODEL: 'none', INDEX_DIR: fs.mkdtempSync(path.join(tmp, 'index-')) };
    const r = run('ask.ts', ['--json'], env, 'من استقبل ميشوستين في الصين؟\nلماذا شكر لافروف الصين؟\n');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.match(/lexical retrieval only/g)).toHaveLength(1);
    for (const line of r.stdout.trim().split('\n')) expect(JSON.parse(line)).toMatchObject({ lexicalOnly: true, modelError: expect.stringContaining('EMBEDDING_MODEL=none') });
  });
  it.skipIf(!fs.existsSync(TWIN))('drops a model that fails its check on the corpus (the timing twin: random weights) and says why in the JSON', () => {
    const env = { MODEL_DIR: TWIN, EMBEDDING_MODEL: 'multilingual-e5-small', INDEX_DIR: fs.mkdtempSync(path.join(tmp, 'index-')) };
    const r = run('ask.ts', ['--json', 'لماذا شكر لافروف الصين؟'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/failed its check/);
    expect(JSON.parse(r.stdout)).toMatchObject({ answered: true, lexicalOnly: true, modelError: expect.stringMatching(/failed its check on this corpus/) });
  }, 120_000);
  it('falls back to lexical retrieval when MODEL_DIR holds no model', () => {
    const env = { MODEL_DIR: tmp, INDEX_DIR: fs.mkdtempSync(path.join(tmp, 'index-')) };
    const r = run('ask.ts', ['--json', 'لماذا شكر لافروف الصين؟'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/MODEL_DIR/);
    expect(JSON.parse(r.stdout).answered).toBe(true);
  });
});
