/**
 * Embedding stage. The {@link Embedder} interface is all the rest of the code knows; the one
 * implementation here runs a sentence-embedding model through `@xenova/transformers` (the only
 * module that imports it): feature extraction, mean pooling, L2 normalisation, E5 prefixes
 * («query: » / «passage: »), length-sorted batches.
 *
 * Loading: with `MODEL_DIR` the model is read from that folder and nothing is downloaded;
 * otherwise `EMBEDDING_MODEL` is fetched from the Hugging Face hub on first use into
 * `MODEL_CACHE_DIR`. When loading fails the caller gets `{ embedder: null, error }` and the
 * product carries on with lexical retrieval.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
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

export interface EmbedderOptions {
  /** Texts per forward pass at ingest. */
  batchSize?: number;
  /** Prefixes for asymmetric models; default: E5 prefixes when the model id mentions e5. */
  queryPrefix?: string;
  passagePrefix?: string;
  /** Run the int8 model (`onnx/model_quantized.onnx`); default true. */
  quantized?: boolean;
}

type ExtractorOutput = { data: Float32Array; dims: number[] };
type Extractor = ((texts: string[], options: { pooling: 'mean'; normalize: true }) => Promise<ExtractorOutput>) & {
  tokenizer: { encode(text: string): number[] };
  dispose?: () => Promise<void>;
};

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
    private readonly extractor: Extractor,
    readonly modelId: string,
    readonly dimension: number,
    private readonly options: Required<Omit<EmbedderOptions, 'quantized'>>,
  ) {}

  countTokens(text: string): number {
    return Math.max(0, this.extractor.tokenizer.encode(text).length - 2);
  }

  private async run(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const out = await this.extractor(texts, { pooling: 'mean', normalize: true });
    const dim = out.dims[out.dims.length - 1]!;
    return texts.map((_, i) => out.data.slice(i * dim, (i + 1) * dim));
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
    await this.extractor.dispose?.();
  }
}

/** Loads the model or throws {@link ModelError} saying why and how to fix it. */
export async function createEmbedder(source: ModelSource, cacheDir: string, options: EmbedderOptions = {}): Promise<Embedder> {
  const { pipeline, env } = await import('@xenova/transformers');
  env.allowLocalModels = source.localPath !== null;
  env.allowRemoteModels = source.localPath === null;
  if (source.localPath) env.localModelPath = source.localPath + path.sep;
  env.cacheDir = cacheDir;
  const e5 = /e5/i.test(source.id);
  let extractor: Extractor;
  try {
    extractor = (await pipeline('feature-extraction', source.id, { quantized: options.quantized ?? true })) as unknown as Extractor;
  } catch (error) {
    const where = source.localPath
      ? `from ${path.join(source.localPath, source.id)}`
      : `from the Hugging Face hub (cache ${cacheDir}); on a machine without internet, download it elsewhere and set MODEL_DIR`;
    throw new ModelError(`Could not load the embedding model ${source.id} ${where}: ${describeError(error)}`, { cause: error });
  }
  const probe = await extractor(['probe'], { pooling: 'mean', normalize: true });
  const dimension = probe.dims[probe.dims.length - 1]!;
  return new TransformersEmbedder(extractor, source.fingerprint, dimension, {
    batchSize: options.batchSize ?? 8,
    queryPrefix: options.queryPrefix ?? (e5 ? 'query: ' : ''),
    passagePrefix: options.passagePrefix ?? (e5 ? 'passage: ' : ''),
  });
}

/**
 * Loads the configured embedder. Never throws: when the model is disabled or cannot be loaded,
 * returns `embedder: null` with the reason, logged once as a warning.
 */
export async function loadEmbedder(
  config: Pick<Config, 'embeddingModel' | 'modelDir' | 'modelCacheDir'>,
  log: Logger,
  options: EmbedderOptions = {},
): Promise<{ embedder: Embedder | null; error: string | null }> {
  try {
    const source = resolveModelSource(config, options.quantized ?? true);
    if (!source) {
      const error = 'the embedding model is disabled (EMBEDDING_MODEL=none)';
      log.warn(`Answers use lexical retrieval only: ${error}.`);
      return { embedder: null, error };
    }
    const started = Date.now();
    const embedder = await createEmbedder(source, config.modelCacheDir, options);
    log.info({ model: embedder.modelId, dimension: embedder.dimension, ms: Date.now() - started }, 'embedding model loaded');
    return { embedder, error: null };
  } catch (error) {
    const message = describeError(error);
    log.warn(`Answers use lexical retrieval only: ${message}`);
    return { embedder: null, error: message };
  }
}
