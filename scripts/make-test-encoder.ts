/**
 * Generates tests/fixtures/test-encoder/: a tiny, deterministic TEST encoder in transformers.js
 * layout (config.json, tokenizer files, onnx/model.onnx, onnx/model_quantized.onnx). It loads
 * like a real sentence encoder with `pipeline('feature-extraction', 'test-encoder')` but is NOT
 * the product model: each token's vector is a pseudo-random vector derived from a hash of the
 * token's light stem, scaled by a corpus-frequency weight, so mean pooling turns a text into a
 * weighted bag of hashed sub-words. Similarity then only measures lexical overlap.
 *
 * Usage: `npm run fixture:encoder` (writes tests/fixtures/test-encoder), or import
 * `makeTestEncoder(outDir)`. Same corpus in, same bytes out: no clock, no Math.random, no
 * transcendental functions (the vectors use integer arithmetic only); ONNX protobuf is written
 * by hand below, so there is no dependency beyond @xenova/transformers (for its normaliser).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BertTokenizer } from '@xenova/transformers';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUT_DIR = join(ROOT, 'tests', 'fixtures', 'test-encoder');
/** The test corpus (a copy of the five articles), so adding articles to corpus/ never changes the fixture. */
export const DEFAULT_CORPUS_DIR = join(ROOT, 'tests', 'fixtures', 'corpus');

/** Embedding dimension. Consumers must read it from the output, never assume 384. */
export const DIM = 128;
/** Bump to change every vector (part of the hash input). */
const SEED = 'arabic-news-qa-bot/test-encoder/v1';
/** int8 step: vectors are stored as round(x * 32) clamped to ±127; exact in float32. */
const QUANT_SCALE = 1 / 32;
const MODEL_MAX_LENGTH = 512;
const MAX_STEMS = 6000;
const MAX_WORDS = 6000;

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
/** The E5 input prefixes: present in every query/passage, so nearly weightless here. */
const E5_PREFIX_WORDS = ['query', 'passage'];
/** Arabic clitics, as in src/text/arabic.ts (copied, so edits there cannot change this fixture). */
const ARTICLE_PREFIXES = ['وال', 'بال', 'كال', 'فال', 'لل', 'ال'];
const SUFFIXES = ['ها', 'ان', 'ات', 'ون', 'ين', 'يه', 'ه', 'ي'];
const EXTRA_SUFFIX_TOKENS = ['هم', 'هما', 'نا', 'كم', 'وا'];

// ---------------------------------------------------------------------------------------------
// Tokenizer definition (HF tokenizers JSON, WordPiece; everything used is supported by
// transformers.js 2.17.2: Sequence/NFKC/BertNormalizer/Replace, BertPreTokenizer,
// TemplateProcessing, WordPiece decoder).
// ---------------------------------------------------------------------------------------------

const replace = (regex: string, content: string) => ({ type: 'Replace', pattern: { Regex: regex }, content });

/**
 * Mirrors src/text/arabic.ts `normalize`: NFKC, lower-case, Latin accents off, Arabic
 * diacritics and tatweel off (transformers.js' BertNormalizer only strips U+0300–U+036F, hence
 * the explicit Replace; after its NFD, hamza/madda marks are separate and go too, so أ إ آ ؤ ئ
 * become ا ا ا و ي), letter variants merged (ى→ي, ة→ه, …), Arabic-Indic digits → ASCII.
 */
const NORMALIZER = {
  type: 'Sequence',
  normalizers: [
    { type: 'NFKC' },
    { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    replace('[\\u0610-\\u061A\\u064B-\\u065F\\u0670\\u06D6-\\u06ED\\u0640]', ''),
    replace('[\\u0671\\u0672\\u0673]', '\u0627'), // ٱ ٲ ٳ → ا
    replace('[\\u0649\\u06CC\\u06D0]', '\u064A'), // ى ی ې → ي
    replace('[\\u0629\\u06C3\\u06C1\\u06D5\\u06BE]', '\u0647'), // ة ۃ ہ ە ھ → ه
    replace('[\\u06A9\\u06AF]', '\u0643'), // ک گ → ك
    ...Array.from({ length: 10 }, (_, d) =>
      replace(`[\\u${(0x0660 + d).toString(16).toUpperCase().padStart(4, '0')}\\u${(0x06f0 + d).toString(16).toUpperCase().padStart(4, '0')}]`, String(d)),
    ),
  ],
};

function tokenizerJson(vocab: readonly string[]): string {
  const specialIds = Object.fromEntries(SPECIALS.map((t) => [t, vocab.indexOf(t)]));
  const tpl = (t: string) => ({ id: t, ids: [specialIds[t]], tokens: [t] });
  const body = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((t) => ({
      id: specialIds[t],
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: NORMALIZER,
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': tpl('[CLS]'), '[SEP]': tpl('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: '@@VOCAB@@',
    },
  };
  // Vocab written by hand so it stays in id order (a JS object would hoist keys like "2025").
  const vocabText = '{\n' + vocab.map((t, i) => `      ${JSON.stringify(t)}: ${i}`).join(',\n') + '\n    }';
  return JSON.stringify(body, null, 2).replace('"@@VOCAB@@"', vocabText) + '\n';
}

const TOKENIZER_CONFIG = {
  tokenizer_class: 'BertTokenizer',
  model_max_length: MODEL_MAX_LENGTH,
  do_lower_case: true,
  strip_accents: null,
  tokenize_chinese_chars: true,
  clean_up_tokenization_spaces: true,
  unk_token: '[UNK]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  cls_token: '[CLS]',
  mask_token: '[MASK]',
};

const SPECIAL_TOKENS_MAP = {
  unk_token: '[UNK]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  cls_token: '[CLS]',
  mask_token: '[MASK]',
};

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

const ARABIC = /[\u0600-\u06FF]/;
const PUNCT = /^[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]$/u;
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Light stem of a normalised word (leading و, one article prefix, suffixes; ≥ 3 letters left). */
export function lightStem(word: string): string {
  if (!ARABIC.test(word)) return word;
  let w = word;
  if (w.length > 3 && w.startsWith('و')) w = w.slice(1);
  for (const p of ARTICLE_PREFIXES) {
    if (w.startsWith(p) && w.length - p.length >= 2) {
      w = w.slice(p.length);
      break;
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of SUFFIXES) {
      if (w.endsWith(s) && w.length - s.length >= 3) {
        w = w.slice(0, -s.length);
        changed = true;
        break;
      }
    }
  }
  return w;
}

function corpusFiles(corpusDir: string): { name: string; text: string }[] {
  return readdirSync(corpusDir)
    .filter((f) => f.endsWith('.txt'))
    .sort(byCodeUnits)
    .map((name) => ({ name, text: readFileSync(join(corpusDir, name), 'utf8') }));
}

/** sha256 over the corpus file names and contents (recorded in config.json). */
export function corpusFingerprint(corpusDir = DEFAULT_CORPUS_DIR): string {
  const h = createHash('sha256');
  for (const { name, text } of corpusFiles(corpusDir)) h.update(name).update('\0').update(text).update('\0');
  return h.digest('hex');
}

/** Single characters that get a token of their own and a `##` continuation form. */
function baseCharacters(): { letters: string[]; punct: string[] } {
  const letters: string[] = [];
  for (let cp = 0x0620; cp <= 0x06ff; cp++) if (/\p{L}/u.test(String.fromCodePoint(cp))) letters.push(String.fromCodePoint(cp));
  for (let cp = 0x0750; cp <= 0x077f; cp++) if (/\p{L}/u.test(String.fromCodePoint(cp))) letters.push(String.fromCodePoint(cp));
  for (let cp = 0x61; cp <= 0x7a; cp++) letters.push(String.fromCodePoint(cp));
  for (let d = 0; d <= 9; d++) letters.push(String(d));
  const punct: string[] = [];
  for (let cp = 0x21; cp <= 0x7e; cp++) if (PUNCT.test(String.fromCodePoint(cp))) punct.push(String.fromCodePoint(cp));
  punct.push('،', '؛', '؟', '٪', '«', '»', '“', '”', '‘', '’', '–', '—', '…', '٫', '٬', '۔');
  return { letters, punct };
}

/** Weight of a stem by the share of corpus lines containing it (integer comparisons only). */
function dfWeight(df: number, lines: number): number {
  if (df * 50 <= lines) return 1.0; // ≤ 2 %
  if (df * 20 <= lines) return 0.8; // ≤ 5 %
  if (df * 10 <= lines) return 0.6; // ≤ 10 %
  if (df * 5 <= lines) return 0.4; // ≤ 20 %
  return 0.2;
}

interface Built {
  vocab: string[];
  /** Per token id: the string whose hash gives its vector (tokens sharing it share a row). */
  keys: string[];
  weights: number[];
  stats: { lines: number; words: number; distinctWords: number; stems: number };
}

function buildVocab(corpusDir: string): Built {
  // Normalise and pre-tokenise the corpus with transformers.js itself, so the vocabulary is
  // built from exactly the strings the runtime tokenizer will see.
  const probe = new BertTokenizer(JSON.parse(tokenizerJson([...SPECIALS])), TOKENIZER_CONFIG) as unknown as {
    normalizer: (t: string) => string;
    pre_tokenizer: (t: string) => string[];
  };
  const wordFreq = new Map<string, number>();
  const stemFreq = new Map<string, number>();
  const stemDf = new Map<string, number>();
  let lines = 0;
  let words = 0;
  for (const { text } of corpusFiles(corpusDir)) {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      lines++;
      const seen = new Set<string>();
      for (const w of probe.pre_tokenizer(probe.normalizer(line))) {
        if (PUNCT.test(w)) continue;
        words++;
        wordFreq.set(w, (wordFreq.get(w) ?? 0) + 1);
        const s = lightStem(w);
        stemFreq.set(s, (stemFreq.get(s) ?? 0) + 1);
        seen.add(s);
      }
      for (const s of seen) stemDf.set(s, (stemDf.get(s) ?? 0) + 1);
    }
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1] || byCodeUnits(a[0], b[0])).slice(0, n).map(([k]) => k);
  const stems = top(stemFreq, MAX_STEMS);
  const corpusWords = top(wordFreq, MAX_WORDS);

  const { letters, punct } = baseCharacters();
  const vocab: string[] = [];
  const keys: string[] = [];
  const weights: number[] = [];
  const have = new Set<string>();
  const add = (token: string, key: string, weight: number) => {
    if (have.has(token) || token.length === 0) return;
    have.add(token);
    vocab.push(token);
    keys.push(key);
    weights.push(weight);
  };
  const stemWeight = (s: string) => dfWeight(stemDf.get(s) ?? 0, lines);

  add('[PAD]', '[PAD]', 0);
  add('[UNK]', '[UNK]', 1);
  add('[CLS]', '[CLS]', 0.05);
  add('[SEP]', '[SEP]', 0.05);
  add('[MASK]', '[MASK]', 1);
  for (const p of punct) add(p, p, 0.1);
  for (const c of letters) add(c, c, 0.5);
  for (const c of letters) add('##' + c, c, 0.5);
  for (const p of ['و', 'ف', 'ب', 'ل', 'ك', ...ARTICLE_PREFIXES, 'ولل']) add(p, p, 0.3);
  for (const s of [...SUFFIXES, ...EXTRA_SUFFIX_TOKENS]) add('##' + s, s, 0.3);
  for (const w of E5_PREFIX_WORDS) add(w, w, 0.1);
  for (const s of stems) add(s, s, stemWeight(s));
  for (const s of stems) add('##' + s, s, stemWeight(s));
  for (const w of corpusWords) add(w, lightStem(w), stemWeight(lightStem(w)));
  return { vocab, keys, weights, stats: { lines, words, distinctWords: wordFreq.size, stems: stems.length } };
}

// ---------------------------------------------------------------------------------------------
// Vectors: FNV-1a(seed + key) seeds mulberry32; each component is an Irwin–Hall(12) sample
// (sum of 12 uniforms − 6, ≈ N(0,1)), all in exact integer/double arithmetic, then int8.
// ---------------------------------------------------------------------------------------------

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function quantizedRow(seed: number): Int8Array {
  const next = mulberry32(seed);
  const row = new Int8Array(DIM);
  for (let d = 0; d < DIM; d++) {
    let sum = 0;
    for (let k = 0; k < 12; k++) sum += next();
    const x = sum / 2 ** 32 - 6;
    row[d] = Math.max(-127, Math.min(127, Math.round(x / QUANT_SCALE)));
  }
  return row;
}

function buildTable(keys: readonly string[]): { rowOfId: Int32Array; table: Int8Array; rows: number } {
  const rowOfKey = new Map<string, number>();
  const usedSeeds = new Set<number>();
  const rowsData: Int8Array[] = [];
  const rowOfId = new Int32Array(keys.length);
  keys.forEach((key, id) => {
    let row = rowOfKey.get(key);
    if (row === undefined) {
      let seed = fnv1a(`${SEED}\0${key}`);
      for (let k = 1; usedSeeds.has(seed); k++) seed = fnv1a(`${SEED}\0${key}\0${k}`); // hash collision
      usedSeeds.add(seed);
      row = rowsData.length;
      rowsData.push(quantizedRow(seed));
      rowOfKey.set(key, row);
    }
    rowOfId[id] = row;
  });
  const table = new Int8Array(rowsData.length * DIM);
  rowsData.forEach((r, i) => table.set(r, i * DIM));
  return { rowOfId, table, rows: rowsData.length };
}

// ---------------------------------------------------------------------------------------------
// ONNX protobuf, hand-encoded (onnx.proto field numbers; repeated scalars unpacked).
// ---------------------------------------------------------------------------------------------

class Pb {
  private parts: Buffer[] = [];
  private static varint(n: number | bigint): Buffer {
    let v = BigInt(n);
    if (v < 0n) v += 1n << 64n;
    const out: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      out.push(b);
    } while (v > 0n);
    return Buffer.from(out);
  }
  int(field: number, n: number | bigint): this {
    this.parts.push(Pb.varint((field << 3) | 0), Pb.varint(n));
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.parts.push(Pb.varint((field << 3) | 2), Pb.varint(b.length), Buffer.from(b));
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }
  msg(field: number, m: Pb): this {
    return this.bytes(field, m.finish());
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const DT = { FLOAT: 1, INT8: 3, INT32: 6, INT64: 7 } as const;

function tensor(name: string, dataType: number, dims: number[], raw: Uint8Array): Pb {
  const t = new Pb();
  for (const d of dims) t.int(1, d);
  return t.int(2, dataType).str(8, name).bytes(9, raw);
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): Pb {
  const shape = new Pb();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
  const tensorType = new Pb().int(1, elemType).msg(2, shape);
  return new Pb().str(1, name).msg(2, new Pb().msg(1, tensorType));
}

function node(opType: string, inputs: string[], outputs: string[], attrs: Pb[] = []): Pb {
  const n = new Pb();
  for (const i of inputs) n.str(1, i);
  for (const o of outputs) n.str(2, o);
  n.str(3, `${opType.toLowerCase()}_${outputs[0]}`).str(4, opType);
  for (const a of attrs) n.msg(5, a);
  return n;
}

const intAttr = (name: string, value: number) => new Pb().str(1, name).int(3, value).int(20, 2 /* INT */);

function f32(values: ArrayLike<number>): Buffer {
  const b = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) b.writeFloatLE(values[i]!, i * 4);
  return b;
}
function i32(values: ArrayLike<number>): Buffer {
  const b = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) b.writeInt32LE(values[i]!, i * 4);
  return b;
}

/**
 * last_hidden_state[b,s,:] = table[row_of_id[ids]] * token_weight[ids] * attention_mask
 *                            (+ 0 * token_type_ids: consumed so all three inputs are real).
 * quantized: int8 table + DequantizeLinear; float: the same values, dequantized, as float32.
 */
function onnxModel(t: { rowOfId: Int32Array; table: Int8Array; rows: number }, weights: readonly number[], quantized: boolean, doc: string): Buffer {
  const V = t.rowOfId.length;
  const g = new Pb();
  const nodes = [
    node('Gather', ['row_of_id', 'input_ids'], ['row_ids'], [intAttr('axis', 0)]),
    ...(quantized
      ? [
          node('Gather', ['embeddings_int8', 'row_ids'], ['token_vectors_int8'], [intAttr('axis', 0)]),
          node('DequantizeLinear', ['token_vectors_int8', 'embeddings_scale', 'embeddings_zero_point'], ['token_vectors']),
        ]
      : [node('Gather', ['embeddings', 'row_ids'], ['token_vectors'], [intAttr('axis', 0)])]),
    node('Gather', ['token_weight', 'input_ids'], ['weights'], [intAttr('axis', 0)]),
    node('Cast', ['attention_mask'], ['mask_f'], [intAttr('to', DT.FLOAT)]),
    node('Unsqueeze', ['mask_f', 'axes_last'], ['mask_3d']),
    node('Cast', ['token_type_ids'], ['type_f'], [intAttr('to', DT.FLOAT)]),
    node('Unsqueeze', ['type_f', 'axes_last'], ['type_3d']),
    node('Mul', ['type_3d', 'zero'], ['type_term']),
    node('Mul', ['weights', 'mask_3d'], ['coef_masked']),
    node('Add', ['coef_masked', 'type_term'], ['coef']),
    node('Mul', ['token_vectors', 'coef'], ['last_hidden_state']),
  ];
  for (const n of nodes) g.msg(1, n);
  g.str(2, 'test_encoder');
  const inits: Pb[] = [tensor('row_of_id', DT.INT32, [V], i32(t.rowOfId))];
  if (quantized) {
    inits.push(
      tensor('embeddings_int8', DT.INT8, [t.rows, DIM], new Uint8Array(t.table.buffer, t.table.byteOffset, t.table.byteLength)),
      tensor('embeddings_scale', DT.FLOAT, [], f32([QUANT_SCALE])),
      tensor('embeddings_zero_point', DT.INT8, [], new Uint8Array([0])),
    );
  } else {
    inits.push(tensor('embeddings', DT.FLOAT, [t.rows, DIM], f32(Array.from(t.table, (q) => q * QUANT_SCALE))));
  }
  inits.push(
    tensor('token_weight', DT.FLOAT, [V, 1], f32(weights)),
    tensor('axes_last', DT.INT64, [1], Buffer.from(new BigInt64Array([2n]).buffer)),
    tensor('zero', DT.FLOAT, [], f32([0])),
  );
  for (const i of inits) g.msg(5, i);
  g.str(10, doc);
  g.msg(11, valueInfo('input_ids', DT.INT64, ['batch_size', 'sequence_length']));
  g.msg(11, valueInfo('attention_mask', DT.INT64, ['batch_size', 'sequence_length']));
  g.msg(11, valueInfo('token_type_ids', DT.INT64, ['batch_size', 'sequence_length']));
  g.msg(12, valueInfo('last_hidden_state', DT.FLOAT, ['batch_size', 'sequence_length', DIM]));
  return new Pb()
    .int(1, 8) // ir_version
    .str(2, 'make-test-encoder.ts') // producer_name
    .str(3, '1') // producer_version
    .str(6, doc) // doc_string
    .msg(7, g) // graph
    .msg(8, new Pb().str(1, '').int(2, 13)) // opset_import: ai.onnx 13
    .finish();
}

// ---------------------------------------------------------------------------------------------

export interface FixtureResult {
  outDir: string;
  dim: number;
  vocabSize: number;
  rows: number;
  /** Relative path → file bytes, as written. */
  files: Record<string, Buffer>;
}

function readme(b: Built, rows: number, fingerprint: string): string {
  return `# test-encoder — TEST FIXTURE, not the product model

**This is a test fixture.** It is not Xenova/multilingual-e5-small (the model the bot uses in
production) and its vectors carry no meaning beyond lexical overlap. Never ship or evaluate with it.

## What it is

A sentence encoder in transformers.js layout that loads exactly like a real one, for tests that
need the dense-retrieval plumbing to run without downloading a model:

\`\`\`js
env.allowRemoteModels = false;
env.localModelPath = 'tests/fixtures/';
const p = await pipeline('feature-extraction', 'test-encoder', { quantized: true }); // or false
const out = await p(['query: ...', 'passage: ...'], { pooling: 'mean', normalize: true }); // dims [2, ${DIM}]
\`\`\`

- **Vectors**: a bag of hashed sub-word embeddings. Each token's vector is a pseudo-random,
  approximately Gaussian ${DIM}-d vector seeded by a hash of the token's light stem (tokens such as
  \`الصين\`, \`والصين\`, \`##صين\` share one vector), times a weight: lower for sub-words that occur on
  many corpus lines (في، من، على get 0.2–0.4), 0.3 for clitics (ال، وال، ##ات…), 0.5 for single
  letters, 0.1 for punctuation and the E5 prefixes \`query\`/\`passage\`, 0.05 for [CLS]/[SEP]. Mean
  pooling + L2 normalisation then makes texts that share (stems of) words similar. Nothing else.
- **Output dimension**: ${DIM} (read it from the output; the real model has 384).
- **Tokenizer**: BERT-style WordPiece, ${b.vocab.length} tokens: [PAD] [UNK] [CLS] [SEP] [MASK],
  punctuation, every Arabic (U+0620–U+06FF, U+0750–U+077F) and Latin letter and digit with its \`##\`
  form, Arabic clitics, and the ${b.stats.stems} light stems (also as \`##\` forms) and
  ${b.stats.distinctWords} distinct words of \`corpus/*.txt\`. Normaliser: NFKC, lower-case, accents and
  Arabic diacritics/tatweel removed, alef/yaa/taa-marbuta/Persian variants merged, Arabic-Indic digits
  → ASCII (as in \`src/text/arabic.ts\`). Any input tokenizes (unknown words → [UNK]); inputs are
  truncated at ${MODEL_MAX_LENGTH} tokens.
- **Graph** (\`onnx/\`, opset 13, IR 8): inputs \`input_ids\`, \`attention_mask\`, \`token_type_ids\`
  (int64 [batch, seq]); output \`last_hidden_state\` (float32 [batch, seq, ${DIM}]) =
  Gather(embedding rows) × Gather(token weight) × attention_mask (+ 0 × token_type_ids).
  \`model_quantized.onnx\` stores the ${rows}×${DIM} table as int8 + DequantizeLinear; \`model.onnx\`
  stores the same values as float32, so both give the same vectors.

## How it was generated

\`npm run fixture:encoder\` (\`scripts/make-test-encoder.ts\`) regenerates every file here from
\`corpus/*.txt\`. It is deterministic (hash-seeded PRNG, integer arithmetic, no clock): the same
corpus gives byte-identical files, which \`tests/test-encoder.test.ts\` checks. If the corpus
changes, rerun the script and commit the result.

Generated from ${b.stats.lines} non-empty corpus lines (${b.stats.words} words); corpus sha256 (file
names + contents): \`${fingerprint}\`.
`;
}

/** Generates the fixture into `outDir` (created if missing) and returns what it wrote. */
export function makeTestEncoder(outDir = DEFAULT_OUT_DIR, corpusDir = DEFAULT_CORPUS_DIR): FixtureResult {
  const built = buildVocab(corpusDir);
  const table = buildTable(built.keys);
  const fingerprint = corpusFingerprint(corpusDir);
  const doc = 'TEST FIXTURE (bag of hashed sub-word vectors), not a real encoder. Generated by scripts/make-test-encoder.ts.';
  const config = {
    _comment: 'TEST FIXTURE, not the product model: see README.md. Generated by scripts/make-test-encoder.ts.',
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: DIM,
    num_hidden_layers: 0,
    num_attention_heads: 1,
    intermediate_size: DIM,
    hidden_act: 'gelu',
    max_position_embeddings: MODEL_MAX_LENGTH,
    type_vocab_size: 2,
    vocab_size: built.vocab.length,
    pad_token_id: 0,
    layer_norm_eps: 1e-12,
    test_fixture: {
      generator: 'scripts/make-test-encoder.ts',
      seed: SEED,
      embedding_rows: table.rows,
      corpus_sha256: fingerprint,
    },
  };
  const files: Record<string, Buffer> = {
    'README.md': Buffer.from(readme(built, table.rows, fingerprint)),
    'config.json': Buffer.from(JSON.stringify(config, null, 2) + '\n'),
    'tokenizer.json': Buffer.from(tokenizerJson(built.vocab)),
    'tokenizer_config.json': Buffer.from(JSON.stringify(TOKENIZER_CONFIG, null, 2) + '\n'),
    'special_tokens_map.json': Buffer.from(JSON.stringify(SPECIAL_TOKENS_MAP, null, 2) + '\n'),
    'onnx/model.onnx': onnxModel(table, built.weights, false, doc),
    'onnx/model_quantized.onnx': onnxModel(table, built.weights, true, doc),
  };
  for (const [rel, bytes] of Object.entries(files)) {
    const p = join(outDir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, bytes);
  }
  return { outDir, dim: DIM, vocabSize: built.vocab.length, rows: table.rows, files };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const r = makeTestEncoder(process.argv[2] ? resolve(process.argv[2]) : DEFAULT_OUT_DIR);
  const size = Object.values(r.files).reduce((n, b) => n + b.length, 0);
  console.log(`test encoder → ${r.outDir}: D=${r.dim}, vocab=${r.vocabSize}, rows=${r.rows}, ${(size / 1024).toFixed(0)} KiB`);
  for (const [rel, b] of Object.entries(r.files)) console.log(`  ${rel}  ${b.length} B  sha256 ${createHash('sha256').update(b).digest('hex').slice(0, 16)}`);
}
