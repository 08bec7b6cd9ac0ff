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
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { IndexError, describeError } from './errors.js';
import { DenseIndex, DEFAULT_HNSW, type HnswParams } from './retrieve/dense.js';
import { LexicalIndex, type LexicalHeader, type LexicalOptions, type LexicalSnapshot } from './retrieve/lexical.js';
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

/**
 * chunks.json: the metadata of each article section once (every chunk of a section shares it,
 * and after loading shares the very same strings), then one row per chunk. A chunk's text is its
 * sentences joined by single spaces and each sentence is `end − start` characters long, so the
 * sentences are stored as their offsets and their texts are taken back out of the chunk text
 * (slices share its memory). A chunk that does not fit this shape (checked on every save) keeps
 * its sentences and id in full.
 */
interface ChunkFile {
  /** [docId, section, kind, title, outlet, agency, date] */
  sections: Array<[DocId, number, Chunk['sectionKind'], string | null, string | null, string | null, string | null]>;
  /** [label, section row, ordinal, heading, text, [start, end, start, end, …]], or [label, chunk] in full */
  chunks: Array<[number, number, number, string | null, string, number[]] | [number, Chunk]>;
}

function encodeChunks(chunks: Map<number, Chunk>): ChunkFile {
  const sections: ChunkFile['sections'] = [];
  const sectionRow = new Map<string, number>();
  const rows: ChunkFile['chunks'] = [];
  for (const [label, c] of chunks) {
    const meta = [c.docId, c.section, c.sectionKind, c.title, c.outlet, c.agency, c.date] as ChunkFile['sections'][number];
    const key = JSON.stringify(meta);
    let row = sectionRow.get(key);
    if (row === undefined) {
      sectionRow.set(key, (row = sections.length));
      sections.push(meta);
    }
    let compact = c.sentences.length > 0 && c.start === c.sentences[0]!.start && c.end === c.sentences[c.sentences.length - 1]!.end;
    let at = 0;
    const offsets: number[] = [];
    for (const s of c.sentences) {
      if (!compact) break;
      compact = s.end - s.start === s.text.length && c.text.startsWith(s.text, at) && (at === 0 || c.text[at - 1] === ' ');
      offsets.push(s.start, s.end);
      at += s.text.length + 1;
    }
    compact = compact && at - 1 === c.text.length && c.id === `${c.docId}#${c.section}.${c.ordinal}`;
    rows.push(compact ? [label, row, c.ordinal, c.heading, c.text, offsets] : [label, c]);
  }
  return { sections, chunks: rows };
}

function decodeChunks(file: ChunkFile): Array<[number, Chunk]> {
  return file.chunks.map((row): [number, Chunk] => {
    if (row.length === 2) return row;
    const [label, sectionRow, ordinal, heading, text, offsets] = row;
    const meta = file.sections[sectionRow];
    if (!meta) throw new Error(`chunk ${label} names section row ${sectionRow}, which chunks.json does not have`);
    const [docId, section, sectionKind, title, outlet, agency, date] = meta;
    const sentences: Chunk['sentences'] = [];
    let at = 0;
    for (let i = 0; i + 1 < offsets.length; i += 2) {
      const start = offsets[i]!;
      const end = offsets[i + 1]!;
      sentences.push({ start, end, text: text.slice(at, at + end - start) });
      at += end - start + 1;
    }
    const chunk: Chunk = {
      id: `${docId}#${section}.${ordinal}`,
      docId,
      section,
      sectionKind,
      title,
      outlet,
      agency,
      date,
      heading,
      text,
      start: offsets[0]!,
      end: offsets[offsets.length - 1]!,
      sentences,
      ordinal,
    };
    return [label, chunk];
  });
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

/** Flushes a folder's entries (new files, a rename) to disk; best-effort where unsupported. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a folder; the checksums still catch what a crash leaves.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
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
 * Loads the current generation, verifying every checksum.
 * @throws IndexError when there is none or it is incomplete, truncated or corrupted.
 */
export function loadIndex(indexDir: string): CorpusIndex {
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
    return new CorpusIndex(manifest, chunks, lexical, dense);
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
