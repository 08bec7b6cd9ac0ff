/**
 * The persisted index under `embeddings/` (INDEX_DIR).
 *
 * Layout: each save writes a complete generation into a fresh folder `gen-<time>-<random>/`
 * (manifest.json, chunks.json, lexical.json, postings.bin and, when there are vectors,
 * hnsw.bin), then points the one-line file `CURRENT` at it with an atomic rename:
 * `gen-… <sha256 of manifest.json>`.
 * A process killed at any moment leaves `CURRENT` naming the previous complete generation;
 * half-written folders are swept on a later save. The manifest records a sha256 of every other
 * file and `CURRENT` the manifest's, so truncation or corruption of any file, the manifest
 * included, is detected on load (an {@link IndexError}; the caller rebuilds).
 *
 * Beside the generation, its journal (`gen-…/journal.log`, src/store-journal.ts) holds the
 * updates made since it was written, one checksummed record per file, appended and fsynced
 * before an update is acknowledged ({@link appendJournal}); loading replays it. A save (a
 * "merge") writes the whole index as a new generation, whose journal starts empty. Adding one
 * article to a large index therefore writes a few KB, not the whole index.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { IndexError, describeError } from './errors.js';
import { DenseIndex, DEFAULT_HNSW, type HnswParams } from './retrieve/dense.js';
import { LexicalIndex, type LexicalHeader, type LexicalOptions, type LexicalSnapshot } from './retrieve/lexical.js';
import { decodeChunks, encodeChunks, type ChunkFile } from './store-chunks.js';
import type { Logger } from './log.js';
import {
  applyRecord,
  appendRecords,
  JOURNAL_FILE,
  JOURNAL_MERGE_BYTES,
  JOURNAL_MERGE_RECORDS,
  readJournal,
  syncFolder,
  TornJournalError,
  truncateJournal,
  type JournalRecord,
  type JournalWriter,
} from './store-journal.js';
import type { ArticleInfo, Chunk, DocId } from './types.js';

/**
 * 2: chunks.json holds section metadata once and sentences as offsets into the chunk text;
 * lexical.json is the lexical index's header (settings, terms) and postings.bin its postings.
 */
export const STORE_FORMAT = 2;

export interface FileEntry {
  hash: string;
  labels: number[];
  /** Whether this file's chunks have vectors from `manifest.model`. */
  embedded: boolean;
  info: ArticleInfo;
}

export interface Manifest {
  format: number;
  /** Chunker signature (version and parameters). */
  chunker: string;
  lexical: LexicalOptions;
  /** Model whose vectors are in hnsw.bin; null when there are no vectors. */
  model: { id: string; dimension: number; hnsw: HnswParams } | null;
  files: Record<DocId, FileEntry>;
  nextLabel: number;
  chunks: number;
  updatedAt: string;
  /** sha256 of every other file of the generation. */
  checksums: Record<string, string>;
}

/** The whole index in memory. */
export class CorpusIndex {
  /** The generation folder this index was loaded from or last saved to (null: never saved). */
  generation: string | null = null;
  /**
   * The generation's journal: records replayed or appended since, and where it ends (bytes).
   * `unusable` says why no more records may be appended (a failed append that could not be cut
   * back); a save starts a new journal and clears it.
   */
  journal: { records: number; bytes: number; unusable?: string } = { records: 0, bytes: 0 };
  /** Marks the journal records this index in memory appended (see {@link catchUpJournal}). */
  readonly writer = randomBytes(6).toString('hex');

  constructor(
    public manifest: Manifest,
    readonly chunks: Map<number, Chunk>,
    readonly lexical: LexicalIndex,
    public dense: DenseIndex | null,
  ) {}

  static empty(chunker: string, lexical: LexicalOptions): CorpusIndex {
    const manifest: Manifest = {
      format: STORE_FORMAT,
      chunker,
      lexical,
      model: null,
      files: {},
      nextLabel: 0,
      chunks: 0,
      updatedAt: new Date().toISOString(),
      checksums: {},
    };
    return new CorpusIndex(manifest, new Map(), new LexicalIndex(lexical), null);
  }

  /** Chunk by its string id. */
  chunkById(id: string): Chunk | undefined {
    const docId = id.slice(0, id.lastIndexOf('#'));
    for (const label of this.manifest.files[docId]?.labels ?? []) {
      const chunk = this.chunks.get(label);
      if (chunk?.id === id) return chunk;
    }
    return undefined;
  }
}

const CURRENT = 'CURRENT';

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function writeFileDurable(file: string, data: Buffer | string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Atomically replaces `file` with `data` (temp file in the same folder, fsync, rename). */
export function writeFileAtomic(file: string, data: Buffer | string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileDurable(tmp, data);
  fs.renameSync(tmp, file);
}

/** `CURRENT`: the generation folder, then the sha256 of its manifest.json. */
const POINTER = /^(gen-[\w-]+) ([0-9a-f]{64})$/;

/** The generation `CURRENT` names, or null when it names none (missing or unreadable). */
function currentGeneration(indexDir: string): string | null {
  try {
    return POINTER.exec(fs.readFileSync(path.join(indexDir, CURRENT), 'utf8').trim())?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Whether INDEX_DIR holds generation folders but no usable `CURRENT` (lost or damaged). */
export function hasOrphanGenerations(indexDir: string): boolean {
  try {
    return fs.readdirSync(indexDir).some((entry) => entry.startsWith('gen-'));
  } catch {
    return false;
  }
}

/** Whether INDEX_DIR holds an index (it may still turn out unreadable). */
export function hasIndex(indexDir: string): boolean {
  return fs.existsSync(path.join(indexDir, CURRENT));
}

/**
 * Loads the current generation, verifying every checksum, and replays its journal. A torn last
 * journal record (a crash mid-append: never acknowledged) is dropped and cut off, with a warning.
 * @throws IndexError when there is none or it is incomplete, truncated or corrupted (a damaged
 * journal record followed by whole ones included).
 */
export function loadIndex(indexDir: string, options: { log?: Logger } = {}): CorpusIndex {
  const pointer = path.join(indexDir, CURRENT);
  if (!fs.existsSync(pointer)) throw new IndexError(`No index in ${indexDir} yet: run \`npm run ingest\` (the bot also builds it on start).`);
  try {
    const line = fs.readFileSync(pointer, 'utf8').trim();
    const match = POINTER.exec(line);
    if (!match) throw new Error(`${CURRENT} holds "${line.slice(0, 40)}", not a generation folder and its manifest checksum`);
    const [, gen, manifestSum] = match;
    const dir = path.join(indexDir, gen!);
    const manifestBytes = fs.readFileSync(path.join(dir, 'manifest.json'));
    if (sha256(manifestBytes) !== manifestSum) throw new Error('manifest.json does not match its checksum (truncated or corrupted)');
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
    // Format 1 (plain JSON chunks and postings) is still read, so upgrading re-embeds nothing;
    // the next save writes the current format.
    if (manifest.format !== STORE_FORMAT && manifest.format !== 1) throw new Error(`format ${manifest.format}, this version reads ${STORE_FORMAT} and 1`);
    const read = (name: string): Buffer => {
      const data = fs.readFileSync(path.join(dir, name));
      if (sha256(data) !== manifest.checksums[name]) throw new Error(`${name} does not match its checksum (truncated or corrupted)`);
      return data;
    };
    const v1 = manifest.format === 1;
    const chunkJson = JSON.parse(read('chunks.json').toString('utf8')) as unknown;
    const chunkList = v1 ? (chunkJson as Array<[number, Chunk]>) : decodeChunks(chunkJson as ChunkFile);
    const lexicalJson = JSON.parse(read('lexical.json').toString('utf8')) as unknown;
    const lexical = v1 ? LexicalIndex.fromJSON(lexicalJson as LexicalSnapshot) : LexicalIndex.fromBinary(lexicalJson as LexicalHeader, read('postings.bin'));
    let dense: DenseIndex | null = null;
    if (manifest.model) {
      read('hnsw.bin');
      dense = DenseIndex.read(path.join(dir, 'hnsw.bin'), manifest.model.dimension, manifest.model.hnsw ?? DEFAULT_HNSW);
    }
    const chunks = new Map(chunkList);
    if (chunks.size !== manifest.chunks || lexical.size !== manifest.chunks) {
      throw new Error(`manifest lists ${manifest.chunks} chunks, chunks.json has ${chunks.size}, lexical.json ${lexical.size}`);
    }
    const index = new CorpusIndex(manifest, chunks, lexical, dense);
    index.generation = gen!;
    const journal = path.join(dir, JOURNAL_FILE);
    const replay = readJournal(journal);
    if (replay.torn) {
      options.log?.warn(
        { file: journal, bytes: replay.torn.bytes },
        `Dropping the torn last record of ${journal} (${replay.torn.reason}): a crash interrupted an update before it was acknowledged.`,
      );
      truncateJournal(journal, replay.end);
    }
    for (const record of replay.records) applyRecord(index, record);
    index.journal = { records: replay.records.length, bytes: replay.end };
    return index;
  } catch (error) {
    if (error instanceof IndexError) throw error;
    throw new IndexError(`The index in ${indexDir} is unreadable (${describeError(error)}); it will be rebuilt from the corpus.`, { cause: error });
  }
}

/**
 * Writes the index as a new generation and switches `CURRENT` to it atomically, then removes
 * older generations and leftovers of interrupted saves.
 */
export function saveIndex(indexDir: string, index: CorpusIndex): void {
  try {
    fs.mkdirSync(indexDir, { recursive: true });
    const gen = `gen-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const dir = path.join(indexDir, gen);
    fs.mkdirSync(dir);
    const checksums: Record<string, string> = {};
    const put = (name: string, data: Buffer | string) => {
      writeFileDurable(path.join(dir, name), data);
      checksums[name] = sha256(data);
    };
    put('chunks.json', JSON.stringify(encodeChunks(index.chunks)));
    const lexical = index.lexical.toBinary();
    put('lexical.json', JSON.stringify(lexical.header));
    put('postings.bin', lexical.data);
    if (index.dense && index.manifest.model) {
      index.dense.write(path.join(dir, 'hnsw.bin'));
      checksums['hnsw.bin'] = sha256(fs.readFileSync(path.join(dir, 'hnsw.bin')));
    }
    index.manifest = { ...index.manifest, format: STORE_FORMAT, chunks: index.chunks.size, updatedAt: new Date().toISOString(), checksums };
    const manifest = JSON.stringify(index.manifest, null, 1);
    writeFileDurable(path.join(dir, 'manifest.json'), manifest);
    syncFolder(dir);
    const previous = currentGeneration(indexDir);
    writeFileAtomic(path.join(indexDir, CURRENT), `${gen} ${sha256(manifest)}\n`);
    syncFolder(indexDir);
    index.generation = gen;
    index.journal = { records: 0, bytes: 0 };
    // Sweep the generation just replaced, and leftovers of saves that were killed. Another
    // process may be writing its own generation right now: only folders idle for ten minutes
    // count as leftovers.
    const stale = Date.now() - 10 * 60_000;
    for (const entry of fs.readdirSync(indexDir)) {
      if (entry === gen || !(entry.startsWith('gen-') || entry.endsWith('.tmp'))) continue;
      const full = path.join(indexDir, entry);
      if (entry === previous || fs.statSync(full).mtimeMs < stale) fs.rmSync(full, { recursive: true, force: true });
    }
  } catch (error) {
    throw new IndexError(`Could not write the index to ${indexDir}: ${describeError(error)}. Check that INDEX_DIR is writable and the disk has space.`, { cause: error });
  }
}

/**
 * Whether the index's journal has grown past the bound at which it is merged into a new
 * generation (default {@link JOURNAL_MERGE_RECORDS} records or {@link JOURNAL_MERGE_BYTES}).
 */
export function journalFull(index: CorpusIndex, bound: { records?: number; bytes?: number } = {}): boolean {
  return index.journal.records >= (bound.records ?? JOURNAL_MERGE_RECORDS) || index.journal.bytes >= (bound.bytes ?? JOURNAL_MERGE_BYTES);
}

/**
 * Appends update records to the journal of the index's generation (a never-saved index is
 * saved first) and fsyncs: once this returns, a crash loses none of them. The caller applies
 * them in memory ({@link applyRecord}) afterwards, so what is in memory is always on disk.
 * A failed append is cut back off the file (src/store-journal.ts `appendRecords`), so the next
 * append follows the last acknowledged record; when even that fails, the journal is marked
 * unusable in memory and every later append fails saying so, until a save (a merge, /reindex)
 * starts a new journal; a restart drops the torn tail with a warning.
 * `writer`: the file operations (tests pass failing ones).
 * @throws IndexError when the journal cannot be written (nothing was acknowledged).
 */
export function appendJournal(indexDir: string, index: CorpusIndex, records: readonly JournalRecord[], writer?: JournalWriter): void {
  if (records.length === 0) return;
  if (index.journal.unusable) {
    throw new IndexError(
      `The index journal in ${indexDir} takes no more updates: ${index.journal.unusable}. Run /reindex or restart the bot (the torn record is dropped on load); the update was not made.`,
    );
  }
  if (index.generation === null) saveIndex(indexDir, index);
  try {
    const { before, after } = appendRecords(
      path.join(indexDir, index.generation!, JOURNAL_FILE),
      records.map((r) => ({ ...r, writer: index.writer })),
      writer,
    );
    // Another process's records in between are read by the next catch-up (ours are skipped then).
    if (before === index.journal.bytes) index.journal.bytes = after;
    index.journal.records += records.length;
  } catch (error) {
    if (error instanceof TornJournalError) index.journal.unusable = `an append failed and could not be cut back (${error.message})`;
    throw new IndexError(`Could not append to the index journal in ${indexDir}: ${describeError(error)}. Check that INDEX_DIR is writable and the disk has space; the update was not made.`, {
      cause: error,
    });
  }
}

/**
 * Brings an index in memory up to date with its folder, for when another process (the ingest
 * command while the bot runs) wrote to it: records another writer appended to the journal are
 * applied; `stale` when `CURRENT` names another generation (the caller loads it again). Only one
 * process writing at a time is fully safe: records appended between this check and the next
 * merge by another process are on disk but not in the generation that merge writes.
 * @throws IndexError when the journal is damaged.
 */
export function catchUpJournal(indexDir: string, index: CorpusIndex): 'current' | 'caught-up' | 'stale' {
  if (index.generation === null) return hasIndex(indexDir) ? 'stale' : 'current';
  if (currentGeneration(indexDir) !== index.generation) return 'stale';
  const file = path.join(indexDir, index.generation, JOURNAL_FILE);
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch {
    size = 0;
  }
  if (size === index.journal.bytes) return 'current';
  if (size < index.journal.bytes) return 'stale';
  try {
    // A torn tail here may be another writer's append in progress: it is left alone.
    const read = readJournal(file, index.journal.bytes);
    let applied = 0;
    for (const record of read.records) {
      if (record.writer === index.writer) continue;
      applyRecord(index, record);
      applied++;
    }
    index.journal.bytes = read.end;
    index.journal.records += applied;
    return applied > 0 ? 'caught-up' : 'current';
  } catch (error) {
    throw new IndexError(`The index journal in ${indexDir} is unreadable (${describeError(error)}); run /reindex or restart to rebuild the index from the corpus.`, { cause: error });
  }
}
