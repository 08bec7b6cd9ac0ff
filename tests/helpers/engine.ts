/**
 * A real engine over a temporary copy of the repository's corpus/ (plus or minus files), with
 * its own index folder. Lexical only by default; `withModel` loads the TEST ENCODER fixture
 * (tests/fixtures/test-encoder, a tiny bag-of-sub-words model, not the product's model) through
 * the same transformers.js loading code the product uses.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEmbedder, type Embedder } from '../../src/embed.js';
import { openEngine, type OpenEngineOptions } from '../../src/engine.js';
import { chunkArticle, DEFAULT_CHUNK_OPTIONS } from '../../src/ingest/chunk.js';
import { readCorpus } from '../../src/ingest/corpus.js';
import { silentLogger, type Logger } from '../../src/log.js';
import type { Chunk, Engine } from '../../src/types.js';

/** The test corpus: a copy of the five articles, independent of what users add to corpus/. */
export const REPO_CORPUS = fileURLToPath(new URL('../fixtures/corpus/', import.meta.url));
export const TEST_ENCODER_DIR = fileURLToPath(new URL('../fixtures/test-encoder/', import.meta.url));

/** The test corpus's articles cut into chunks with the product's default settings. */
export async function corpusChunks(): Promise<Chunk[]> {
  const { articles } = await readCorpus(REPO_CORPUS, silentLogger());
  return articles.flatMap((a) => chunkArticle(a, DEFAULT_CHUNK_OPTIONS));
}

export interface TestEngineOptions {
  /** Files to add or replace (name → content); a null content removes a corpus file. */
  corpus?: Record<string, string | null>;
  /** Start from an empty corpus instead of the repository's five articles. */
  emptyCorpus?: boolean;
  withModel?: boolean;
  log?: Logger;
  retrieval?: OpenEngineOptions['retrieval'];
}

export interface TestEngine {
  engine: Engine;
  /** Temporary folder holding corpus/ and index/. */
  dir: string;
  corpusDir: string;
  indexDir: string;
  embedder: Embedder | null;
  cleanup(): Promise<void>;
}

/** Loads the test-encoder fixture through the product's loader. */
export async function loadTestEncoder(log: Logger = silentLogger()): Promise<Embedder> {
  const { embedder, error } = await loadEmbedder(
    { embeddingModel: 'test-encoder', modelDir: path.resolve(TEST_ENCODER_DIR), modelCacheDir: os.tmpdir() },
    log,
  );
  if (!embedder) throw new Error(`test encoder fixture did not load: ${error}`);
  return embedder;
}

export async function createTestEngine(options: TestEngineOptions = {}): Promise<TestEngine> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'news-bot-test-'));
  const corpusDir = path.join(dir, 'corpus');
  const indexDir = path.join(dir, 'index');
  await fs.mkdir(corpusDir);
  if (!options.emptyCorpus) await fs.cp(REPO_CORPUS, corpusDir, { recursive: true });
  for (const [name, content] of Object.entries(options.corpus ?? {})) {
    if (content === null) await fs.rm(path.join(corpusDir, name), { force: true });
    else await fs.writeFile(path.join(corpusDir, name), content);
  }
  const log = options.log ?? silentLogger();
  const embedder = options.withModel ? await loadTestEncoder(log) : null;
  const engine = await openEngine({ corpusDir, indexDir, embedder, log, retrieval: options.retrieval });
  return {
    engine,
    dir,
    corpusDir,
    indexDir,
    embedder,
    async cleanup() {
      await engine.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
