/**
 * Embedding stage. The {@link Embedder} interface is all the rest of the code knows; the one
 * implementation here runs a sentence-embedding model through `@xenova/transformers` (the only
 * module that imports it): its tokenizer, and the ONNX Runtime it bundles, with mean pooling,
 * L2 normalisation, E5 prefixes («query: » / «passage: ») and length-sorted batches.
 *
 * Two things differ from calling transformers.js's `pipeline('feature-extraction')`, both chosen
 * by measurement (`npm run bench`, docs/performance.md), both giving bit-identical vectors:
 * - The ONNX session is created here with explicit thread settings ({@link EMBEDDING_SETTINGS}).
 * - A Unigram (SentencePiece) tokenizer such as mE5's keeps its 250k-piece vocabulary in a
 *   compact typed-array trie instead of transformers.js's trie of Map objects, and finds the best
 *   segmentation in typed arrays instead of a lattice of node objects: the same pieces, found in
 *   the same order, so the same tokens; ~150 MB less memory, a faster load, and a passage
 *   tokenized in about a third of the time.
 *
 * Loading: with `MODEL_DIR` the model is read from that folder and nothing is downloaded;
 * otherwise `EMBEDDING_MODEL` is fetched from the Hugging Face hub on first use into
 * `MODEL_CACHE_DIR`. When loading fails the caller gets `{ embedder: null, error }` and the
 * product carries on with lexical retrieval.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Config } from './config.js';
import { checkEmbedderOnCorpus, type ModelCheck } from './embed-check.js';
import { describeError, ModelError } from './errors.js';
import type { Logger } from './log.js';

export interface Embedder {
  /** Identity of the model's weights, recorded in the index manifest (never mix two models). */
  readonly modelId: string;
  readonly dimension: number;
  embedQueries(texts: string[]): Promise<Float32Array[]>;
  embedPassages(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]>;
  /** Tokens per text as the model counts them (special tokens excluded). */
  countTokens(text: string): number;
  close(): Promise<void>;
}

/**
 * Settings chosen by measurement on the 2-core bench machine with mE5-small's timing twin
 * (docs/performance.md): batches of 1, 2 and 4 passages ran at the same speed within noise,
 * 8 and 16 about 10% slower; one passage per pass also keeps each vector independent of its
 * batch neighbours (the int8 model quantizes activations per call, padding included). Two ONNX
 * threads were 5–10% faster than one, both for queries and passages; two sessions side by side
 * on worker threads were slower than one.
 */
export const EMBEDDING_SETTINGS = {
  /** Passages per forward pass at ingest (length-sorted, so little padding when above 1). */
  batchSize: 1,
  /** ONNX Runtime threads inside one operator. */
  threads: 2,
} as const;

export interface EmbedderOptions {
  /** Texts per forward pass at ingest. */
  batchSize?: number;
  /** ONNX Runtime intra-op threads (default {@link EMBEDDING_SETTINGS}.threads, at most the CPU count). */
  threads?: number;
  /** Prefixes for asymmetric models; default: E5 prefixes when the model id mentions e5. */
  queryPrefix?: string;
  passagePrefix?: string;
  /** Run the int8 model (`onnx/model_quantized.onnx`); default true. */
  quantized?: boolean;
}

/** The parts of transformers.js's tokenizer and ONNX Runtime this module uses. */
interface Encoded {
  input_ids: { data: BigInt64Array; dims: number[] };
  attention_mask: { data: BigInt64Array; dims: number[] };
  token_type_ids?: { data: BigInt64Array; dims: number[] };
}
type Tokenizer = ((texts: string[], options: { padding: true; truncation: true }) => Encoded) & { encode(text: string): number[] };
interface OrtTensor {
  data: Float32Array;
  dims: readonly number[];
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
}
interface Ort {
  Tensor: new (type: 'int64', data: BigInt64Array, dims: readonly number[]) => unknown;
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
}

/** Where and what to load, resolved from settings. */
export interface ModelSource {
  /** Model id as transformers.js resolves it. */
  id: string;
  /** Local models folder (parent of the model's own folder), or null to use the hub. */
  localPath: string | null;
  /** Fingerprint recorded in the manifest. */
  fingerprint: string;
}

/** Resolves settings to a model source; a local folder is fingerprinted by its config and weights. */
export function resolveModelSource(config: Pick<Config, 'embeddingModel' | 'modelDir'>, quantized = true): ModelSource | null {
  if (config.modelDir) {
    const dir = config.modelDir;
    const weights = path.join(dir, 'onnx', quantized ? 'model_quantized.onnx' : 'model.onnx');
    if (!fs.existsSync(path.join(dir, 'config.json')) || !fs.existsSync(weights)) {
      throw new ModelError(
        `MODEL_DIR=${dir} does not hold a transformers.js model (config.json, tokenizer.json and ${path.relative(dir, weights)} are needed). Point MODEL_DIR at the model's own folder, or unset it to download ${config.embeddingModel ?? 'the model'} from the hub.`,
      );
    }
    const hash = createHash('sha256');
    hash.update(fs.readFileSync(path.join(dir, 'config.json')));
    const stat = fs.statSync(weights);
    hash.update(String(stat.size));
    const fd = fs.openSync(weights, 'r');
    try {
      const head = Buffer.alloc(Math.min(1 << 20, stat.size));
      fs.readSync(fd, head, 0, head.length, Math.max(0, stat.size - head.length));
      hash.update(head);
    } finally {
      fs.closeSync(fd);
    }
    return { id: path.basename(dir), localPath: path.dirname(dir), fingerprint: `${path.basename(dir)}@${hash.digest('hex').slice(0, 16)}` };
  }
  if (!config.embeddingModel) return null;
  return { id: config.embeddingModel, localPath: null, fingerprint: config.embeddingModel };
}

class TransformersEmbedder implements Embedder {
  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly ort: Ort,
    private readonly session: OrtSession,
    readonly modelId: string,
    private readonly options: { batchSize: number; queryPrefix: string; passagePrefix: string },
  ) {}

  /** Read from the model's output on load. */
  dimension = 0;

  countTokens(text: string): number {
    return Math.max(0, this.tokenizer.encode(text).length - 2);
  }

  /** One forward pass: tokenize (padded, truncated), run, mean-pool, L2-normalise. */
  async run(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const encoded = this.tokenizer(texts, { padding: true, truncation: true });
    const dims = encoded.input_ids.dims;
    const tensor = (data: BigInt64Array) => new this.ort.Tensor('int64', data, dims);
    const feeds: Record<string, unknown> = { input_ids: tensor(encoded.input_ids.data), attention_mask: tensor(encoded.attention_mask.data) };
    if (this.session.inputNames.includes('token_type_ids')) {
      feeds.token_type_ids = tensor(encoded.token_type_ids?.data ?? new BigInt64Array(encoded.input_ids.data.length));
    }
    const outputs = await this.session.run(feeds);
    const hidden = outputs.last_hidden_state ?? outputs.logits ?? outputs[this.session.outputNames[0]!]!;
    return meanPoolNormalize(hidden.data, hidden.dims, encoded.attention_mask.data);
  }

  async embedQueries(texts: string[]): Promise<Float32Array[]> {
    return this.run(texts.map((t) => this.options.queryPrefix + t));
  }

  async embedPassages(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    // Sorting by length keeps padding low inside a batch: the main cost of batching.
    const order = texts.map((t, i) => [t.length, i] as const).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
    const result: Float32Array[] = new Array(texts.length);
    for (let b = 0; b < order.length; b += this.options.batchSize) {
      const ids = order.slice(b, b + this.options.batchSize);
      const vectors = await this.run(ids.map((i) => this.options.passagePrefix + texts[i]!));
      ids.forEach((id, k) => (result[id] = vectors[k]!));
      onProgress?.(Math.min(b + ids.length, texts.length), texts.length);
    }
    return result;
  }

  async close(): Promise<void> {
    // onnxruntime-node frees the session with the object; nothing to release explicitly.
  }
}

/**
 * Mean pooling over the attention mask, then L2 normalisation, with exactly the arithmetic of
 * transformers.js's `mean_pooling` and `normalize` (each component a float64 sum over the tokens
 * in token order, stored in float32; the norm accumulated in float32): on the same hidden states,
 * the vectors of its feature-extraction pipeline bit for bit. The sums run token by token over
 * contiguous rows, with the mask read once per token (transformers.js walks each component down
 * the sequence and converts the mask's BigInt per component: ~100k conversions per passage).
 */
function meanPoolNormalize(hidden: Float32Array, dims: readonly number[], mask: BigInt64Array): Float32Array[] {
  const [batch, seq, dim] = dims as [number, number, number];
  const out: Float32Array[] = [];
  const acc = new Float32Array(1);
  const sums = new Float64Array(dim);
  for (let i = 0; i < batch; i++) {
    sums.fill(0);
    let count = 0;
    for (let j = 0; j < seq; j++) {
      const attn = Number(mask[i * seq + j]);
      count += attn;
      const row = (i * seq + j) * dim;
      for (let k = 0; k < dim; k++) sums[k]! += hidden[row + k]! * attn;
    }
    const v = new Float32Array(dim);
    for (let k = 0; k < dim; k++) v[k] = sums[k]! / count;
    acc[0] = 0;
    for (let k = 0; k < dim; k++) acc[0] += v[k]! ** 2;
    acc[0] = acc[0] ** 0.5;
    for (let k = 0; k < dim; k++) v[k]! /= acc[0];
    out.push(v);
  }
  return out;
}

/**
 * A Unigram vocabulary as a trie in typed arrays (chars, first child, next sibling, the piece
 * ending at a node; the root's children in a table, other nodes with many children in a Map).
 * transformers.js's own trie walks pieces by code point and searches by UTF-16 unit, so a piece
 * holding a character outside the BMP can never match: such pieces are left out here too.
 */
class PieceTrie {
  private readonly chars: Uint16Array;
  private readonly first: Int32Array;
  private readonly next: Int32Array;
  private readonly count: Uint16Array;
  private readonly wide = new Map<number, Map<number, number>>();
  /** The root's children by UTF-16 unit (the one node every lookup starts from). */
  private readonly root = new Int32Array(0x10000).fill(-1);
  /** Index of the piece that ends at a node (the last one, as a Map built from the list keeps), or -1. */
  readonly piece: Int32Array;
  private size = 1;

  constructor(pieces: readonly string[]) {
    let capacity = 1;
    for (const p of pieces) capacity += p.length;
    this.chars = new Uint16Array(capacity);
    this.first = new Int32Array(capacity).fill(-1);
    this.next = new Int32Array(capacity).fill(-1);
    this.count = new Uint16Array(capacity);
    this.piece = new Int32Array(capacity).fill(-1);
    pieces: for (const [index, piece] of pieces.entries()) {
      for (let d = 0; d < piece.length; d++) {
        const c = piece.charCodeAt(d);
        if (c >= 0xd800 && c <= 0xdfff) continue pieces;
      }
      if (piece.length === 0) continue;
      let node = 0;
      for (let d = 0; d < piece.length; d++) {
        const c = piece.charCodeAt(d);
        let child = this.child(node, c);
        if (child < 0) {
          child = this.size++;
          this.chars[child] = c;
          this.next[child] = this.first[node]!;
          this.first[node] = child;
          const n = this.count[node]!;
          if (node === 0) this.root[c] = child;
          else if (n === WIDE) this.wide.get(node)!.set(c, child);
          else if (n >= 16) {
            const map = new Map<number, number>();
            for (let k = this.first[node]!; k >= 0; k = this.next[k]!) map.set(this.chars[k]!, k);
            this.wide.set(node, map);
            this.count[node] = WIDE;
          } else this.count[node] = n + 1;
        }
        node = child;
      }
      this.piece[node] = index;
    }
    // Shared prefixes leave most of the room unused (mE5: 505k nodes for 1.39M characters).
    this.chars = this.chars.slice(0, this.size);
    this.first = this.first.slice(0, this.size);
    this.next = this.next.slice(0, this.size);
    this.count = this.count.slice(0, this.size);
    this.piece = this.piece.slice(0, this.size);
  }

  /** The child of `node` along UTF-16 unit `c`, or -1. Node 0 is the root. */
  child(node: number, c: number): number {
    if (node === 0) return this.root[c]!;
    if (this.count[node] === WIDE) return this.wide.get(node)!.get(c) ?? -1;
    for (let k = this.first[node]!; k >= 0; k = this.next[k]!) if (this.chars[k] === c) return k;
    return -1;
  }
}
const WIDE = 0xffff;

type TransformersModule = typeof import('@xenova/transformers');
/** Typed arrays for one sentence's lattice, grown as needed and reused from sentence to sentence. */
class LatticeArrays {
  begin = new Int32Array(0);
  score = new Float64Array(0);
  prev = new Int32Array(0);
  nextEnd = new Int32Array(0);
  endHead = new Int32Array(0);
  endTail = new Int32Array(0);

  /** Room for a sentence of `len` UTF-16 units. */
  reserve(len: number): this {
    if (this.endHead.length < len + 1) {
      this.endHead = new Int32Array(len + 1);
      this.endTail = new Int32Array(len + 1);
    }
    return this;
  }

  /** Room for `n` nodes. */
  nodes(n: number): void {
    if (this.begin.length >= n) return;
    const size = Math.max(n, this.begin.length * 2);
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.begin = grow(this.begin, (k) => new Int32Array(k));
    this.score = grow(this.score, (k) => new Float64Array(k));
    this.prev = grow(this.prev, (k) => new Int32Array(k));
    this.nextEnd = grow(this.nextEnd, (k) => new Int32Array(k));
  }
}

let compactUnigramInstalled = false;

/**
 * Makes transformers.js build Unigram tokenizers with {@link PieceTrie}: the model class below
 * replaces its `Unigram` (same fields, same lattice, same candidate order), everything else of
 * the tokenizer (normaliser, pre-tokeniser, special tokens, padding, truncation) is its own.
 */
async function installCompactUnigram(t: TransformersModule): Promise<void> {
  if (compactUnigramInstalled) return;
  const Base = t.TokenizerModel as unknown as new (config: Record<string, unknown>) => {
    vocab: string[];
    tokens_to_ids: Map<string, number>;
    unk_token_id: number | undefined;
    unk_token: string | undefined;
    fuse_unk: boolean;
  };
  class CompactUnigram extends Base {
    private readonly scores: Float64Array;
    private readonly trie: PieceTrie;
    private readonly lattice = new LatticeArrays();
    private readonly unkScore: number;
    readonly minScore: number;
    readonly bosToken = ' ';
    readonly bosTokenId: number | undefined;
    readonly eosToken: string | undefined;
    readonly eosTokenId: number | undefined;
    readonly unkToken: string | undefined;

    constructor(config: { type: string; unk_id: number; vocab: Array<[string, number]> }, moreConfig: { eos_token?: string }) {
      // The vocabulary is not kept in `config` (transformers.js keeps the whole parsed list there).
      super({ type: config.type, unk_id: config.unk_id });
      const n = config.vocab.length;
      const vocab = new Array<string>(n);
      const scores = new Float64Array(n);
      let min = Infinity;
      for (let i = 0; i < n; i++) {
        const [piece, score] = config.vocab[i]!;
        vocab[i] = piece;
        scores[i] = score;
        if (score < min) min = score;
      }
      this.vocab = vocab;
      this.scores = scores;
      this.tokens_to_ids = new Map(vocab.map((x, i) => [x, i]));
      this.trie = new PieceTrie(vocab);
      this.unk_token_id = config.unk_id;
      this.unk_token = vocab[config.unk_id];
      this.bosTokenId = this.tokens_to_ids.get(this.bosToken);
      this.eosToken = moreConfig.eos_token;
      this.eosTokenId = this.eosToken === undefined ? undefined : this.tokens_to_ids.get(this.eosToken);
      this.unkToken = vocab[config.unk_id];
      this.minScore = min;
      this.unkScore = min - 10;
      scores[config.unk_id] = this.unkScore;
      this.fuse_unk = true;
    }

    /**
     * The best segmentation of `normalized`, exactly as transformers.js's `TokenLattice` finds it
     * (same candidates in the same order, same float64 sums, first best kept on ties), without a
     * node object per candidate: candidates are found position by position with the trie, and
     * each takes its best predecessor among the candidates that end where it begins (in the order
     * they were found) as soon as it is found.
     */
    tokenize(normalized: string): string[] {
      const len = normalized.length;
      const lattice = this.lattice.reserve(len);
      lattice.nodes(2 * len + 1);
      let { begin, score, prev, nextEnd } = lattice;
      const { endHead, endTail } = lattice;
      endHead.fill(-1, 0, len + 1);
      endTail.fill(-1, 0, len + 1);
      // Node 0 starts the sentence (score 0); every other node is a candidate piece.
      begin[0] = 0;
      score[0] = 0;
      prev[0] = -1;
      nextEnd[0] = -1;
      endHead[0] = endTail[0] = 0;
      let nodes = 1;
      const add = (pos: number, length: number, pieceScore: number): void => {
        let best = -1;
        let bestScore = 0;
        for (let l = endHead[pos]!; l >= 0; l = nextEnd[l]!) {
          const total = score[l]! + pieceScore;
          if (best < 0 || total > bestScore) {
            best = l;
            bestScore = total;
          }
        }
        const node = nodes++;
        if (node >= begin.length) {
          lattice.nodes(node + 1);
          ({ begin, score, prev, nextEnd } = lattice);
        }
        begin[node] = pos;
        score[node] = bestScore;
        prev[node] = best;
        nextEnd[node] = -1;
        const end = pos + length;
        if (endTail[end]! < 0) endHead[end] = node;
        else nextEnd[endTail[end]!] = node;
        endTail[end] = node;
      };
      for (let pos = 0; pos < len; pos++) {
        let single = false;
        let node = 0;
        for (let i = pos; i < len; i++) {
          node = this.trie.child(node, normalized.charCodeAt(i));
          if (node < 0) break;
          const id = this.trie.piece[node]!;
          if (id >= 0) {
            add(pos, i + 1 - pos, this.scores[id]!);
            if (i === pos) single = true;
          }
        }
        if (!single) add(pos, 1, this.unkScore);
      }
      // The end of the sentence takes the best node ending there; walk back to the start.
      let best = -1;
      let bestScore = 0;
      for (let l = endHead[len]!; l >= 0; l = nextEnd[l]!) {
        if (best < 0 || score[l]! > bestScore) {
          best = l;
          bestScore = score[l]!;
        }
      }
      const pieces: string[] = [];
      let end = len;
      for (let node = best; node > 0; node = prev[node]!) {
        pieces.push(normalized.slice(begin[node]!, end));
        end = begin[node]!;
      }
      return pieces.reverse();
    }

    encode(tokens: string[]): string[] {
      const out: string[] = [];
      for (const token of tokens) out.push(...this.tokenize(token));
      return out;
    }
  }
  const models = t.TokenizerModel as unknown as { fromConfig(config: { type?: string }, ...args: unknown[]): unknown };
  const original = models.fromConfig.bind(models);
  models.fromConfig = (config: { type?: string }, ...args: unknown[]) =>
    config.type === 'Unigram' ? new CompactUnigram(config as never, (args[0] ?? {}) as never) : original(config, ...args);
  compactUnigramInstalled = true;
}

/** Loads the model or throws {@link ModelError} saying why and how to fix it. */
export async function createEmbedder(source: ModelSource, cacheDir: string, options: EmbedderOptions = {}): Promise<Embedder> {
  const transformers = await import('@xenova/transformers');
  const { AutoTokenizer, env } = transformers;
  env.allowLocalModels = source.localPath !== null;
  env.allowRemoteModels = source.localPath === null;
  if (source.localPath) env.localModelPath = source.localPath + path.sep;
  env.cacheDir = cacheDir;
  const e5 = /e5/i.test(source.id);
  const quantized = options.quantized ?? true;
  let tokenizer: Tokenizer;
  let session: OrtSession;
  // The ONNX Runtime transformers.js bundles (resolved from its own folder: the same instance).
  const ort = createRequire(createRequire(import.meta.url).resolve('@xenova/transformers'))('onnxruntime-node') as Ort;
  try {
    await installCompactUnigram(transformers);
    // @ts-expect-error -- an internal module of transformers.js without type declarations
    const { getModelFile } = (await import('@xenova/transformers/src/utils/hub.js')) as {
      getModelFile(id: string, file: string, fatal: boolean, options: Record<string, unknown>): Promise<Uint8Array>;
    };
    tokenizer = (await AutoTokenizer.from_pretrained(source.id)) as unknown as Tokenizer;
    const weights = await getModelFile(source.id, `onnx/model${quantized ? '_quantized' : ''}.onnx`, true, { quantized });
    const threads = Math.max(1, Math.min(options.threads ?? EMBEDDING_SETTINGS.threads, os.cpus().length || 1));
    session = await ort.InferenceSession.create(weights, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    const where = source.localPath
      ? `from ${path.join(source.localPath, source.id)}`
      : `from the Hugging Face hub (cache ${cacheDir}); on a machine without internet, download it elsewhere and set MODEL_DIR`;
    throw new ModelError(`Could not load the embedding model ${source.id} ${where}: ${describeError(error)}`, { cause: error });
  }
  const embedder = new TransformersEmbedder(tokenizer, ort, session, source.fingerprint, {
    batchSize: options.batchSize ?? EMBEDDING_SETTINGS.batchSize,
    queryPrefix: options.queryPrefix ?? (e5 ? 'query: ' : ''),
    passagePrefix: options.passagePrefix ?? (e5 ? 'passage: ' : ''),
  });
  const [probe] = await embedder.run(['probe']);
  embedder.dimension = probe!.length;
  return embedder;
}

/**
 * Loads the configured embedder. Never throws: when the model is disabled or cannot be loaded,
 * returns `embedder: null` with the reason, logged once as a warning.
 *
 * When `config.corpusDir` is given, the loaded model must also pass its sanity check on that
 * corpus (src/embed-check.ts: each headline finds its own story far above chance; the result is
 * remembered in INDEX_DIR/model-check.json); a model that fails it is closed and answers use
 * lexical retrieval, with the check's summary as the reason.
 */
export async function loadEmbedder(
  config: Pick<Config, 'embeddingModel' | 'modelDir' | 'modelCacheDir'> & Partial<Pick<Config, 'corpusDir' | 'indexDir'>>,
  log: Logger,
  options: EmbedderOptions = {},
): Promise<{ embedder: Embedder | null; error: string | null; check: ModelCheck | null }> {
  try {
    const source = resolveModelSource(config, options.quantized ?? true);
    if (!source) {
      const error = 'the embedding model is disabled (EMBEDDING_MODEL=none)';
      log.warn(`Answers use lexical retrieval only: ${error}.`);
      return { embedder: null, error, check: null };
    }
    const started = Date.now();
    const embedder = await createEmbedder(source, config.modelCacheDir, options);
    log.info({ model: embedder.modelId, dimension: embedder.dimension, ms: Date.now() - started }, 'embedding model loaded');
    if (!config.corpusDir) return { embedder, error: null, check: null };
    const checkStarted = Date.now();
    const cacheFile = config.indexDir ? path.join(config.indexDir, 'model-check.json') : undefined;
    const check = await checkEmbedderOnCorpus(embedder, config.corpusDir, cacheFile);
    if (check.status === 'failed') {
      await embedder.close();
      log.warn(`Answers use lexical retrieval only: ${check.summary}.`);
      return { embedder: null, error: check.summary, check };
    }
    log.info({ auc: check.auc, stories: check.stories, ms: Date.now() - checkStarted }, check.summary);
    return { embedder, error: null, check };
  } catch (error) {
    const message = describeError(error);
    log.warn(`Answers use lexical retrieval only: ${message}`);
    return { embedder: null, error: message, check: null };
  }
}
