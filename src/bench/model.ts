/**
 * Which embedding model the bench measures, and how it is labelled. The real
 * Xenova/multilingual-e5-small weights are not available on our machines; what is:
 *
 * 1. `--model DIR` or `MODEL_DIR`: whatever model the user points at (a real one, when they have it).
 * 2. `../shared/models/timing-twin/multilingual-e5-small`: mE5-small's exact architecture,
 *    tokenizer and int8 quantization with RANDOM weights. Its costs are mE5-small's costs; its
 *    vectors mean nothing.
 * 3. `tests/fixtures/test-encoder`: the repository's tiny test fixture, so the bench still runs
 *    everything when neither exists. Its embedding figures say nothing about mE5.
 *
 * `--model none` measures without any model (lexical retrieval only).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.js';

export type ModelKind = 'user' | 'timing-twin' | 'test-fixture' | 'none';

export interface BenchModel {
  kind: ModelKind;
  /** The model's folder (MODEL_DIR), or null for none. */
  dir: string | null;
  /** One line saying what the embedding figures were measured with. */
  label: string;
  /** Why this one was chosen (what was looked for and missing). */
  reason: string;
}

export const TWIN_SUBPATH = path.join('models', 'timing-twin', 'multilingual-e5-small');
export const TEST_ENCODER = path.join(PROJECT_ROOT, 'tests', 'fixtures', 'test-encoder');

function isModelDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'config.json')) && fs.existsSync(path.join(dir, 'onnx'));
}

function describe(kind: ModelKind, dir: string | null): string {
  switch (kind) {
    case 'timing-twin':
      return `timing twin of Xenova/multilingual-e5-small (${dir}): exact architecture, tokenizer and int8 quantization, RANDOM weights: costs are real, vectors are not`;
    case 'test-fixture':
      return `tests/fixtures/test-encoder: a tiny TEST FIXTURE (128-d bag of sub-words), NOT mE5: its embedding figures say nothing about the real model`;
    case 'user':
      return `MODEL_DIR=${dir}`;
    case 'none':
      return 'no model: lexical retrieval only, embedding not measured';
  }
}

export function resolveBenchModel(options: { model?: string | null; env?: NodeJS.ProcessEnv; sharedDir: string }): BenchModel {
  const env = options.env ?? process.env;
  const make = (kind: ModelKind, dir: string | null, reason: string): BenchModel => ({ kind, dir, label: describe(kind, dir), reason });
  const classify = (dir: string, reason: string): BenchModel => {
    const resolved = path.resolve(PROJECT_ROOT, dir);
    if (!isModelDir(resolved)) throw new Error(`${dir} does not hold a transformers.js model (config.json and onnx/ are needed)`);
    if (resolved.includes(`${path.sep}timing-twin${path.sep}`)) return make('timing-twin', resolved, reason);
    if (path.resolve(resolved) === path.resolve(TEST_ENCODER)) return make('test-fixture', resolved, reason);
    return make('user', resolved, reason);
  };
  if (options.model === 'none') return make('none', null, '--model none');
  if (options.model) return classify(options.model, '--model');
  if (env.MODEL_DIR?.trim()) return classify(env.MODEL_DIR.trim(), 'MODEL_DIR');
  const twin = path.join(options.sharedDir, TWIN_SUBPATH);
  if (isModelDir(twin)) return make('timing-twin', twin, `found ${twin}`);
  return make(
    'test-fixture',
    TEST_ENCODER,
    `no MODEL_DIR and no timing twin at ${twin} (${fs.existsSync(options.sharedDir) ? 'folder has no twin' : `${options.sharedDir} is absent`}): using the test fixture so the rest of the bench still runs`,
  );
}
