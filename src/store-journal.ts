/**
 * The index's journal: an append-only log beside the generation `CURRENT` names
 * (`gen-…/journal.log`), so that adding one article to a large index costs one small write
 * instead of a whole new generation (see src/store.ts).
 *
 * One record per updated file: a put carries what replaying it needs without reading or
 * embedding anything (the file's hash and {@link ArticleInfo}, its chunks encoded as chunks.json
 * encodes them, their vectors and the model they came from); a remove carries the file id.
 * Chunk labels are not stored: replay assigns them from `manifest.nextLabel`, as the live update
 * did. Framing, little-endian:
 *
 *     [u32 magic "NJR1"] [u32 payload bytes] [u32 crc32 of payload] [payload]
 *     payload = [u32 json bytes] [json] [float32 × chunks × dimension]
 *
 * Records are appended with one write and an fsync before the update is acknowledged. An append
 * that fails (a full disk, an I/O error, a short write) is cut back to where it started before
 * the failure is reported, so an unacknowledged record never sits before acknowledged ones; if
 * even that fails, the index in memory stops appending (see `appendJournal` in store.ts). On load
 * they are replayed in order over the generation. A crash mid-append leaves a torn last record
 * (short, zero-filled or failing its checksum): it was never acknowledged and is dropped, and the
 * file cut back to the last whole record, with a warning. A record that fails its checksum with
 * whole records after it is corruption: loading fails as for any damaged index file (rebuild).
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { IndexError } from './errors.js';
import { metadataText } from './ingest/chunk.js';
import type { LexicalFields } from './retrieve/lexical.js';
import { decodeChunks, encodeChunks, type ChunkFile } from './store-chunks.js';
import type { CorpusIndex, FileEntry } from './store.js';
import type { ArticleInfo, Chunk, DocId } from './types.js';

/** The journal's file name inside a generation folder. */
export const JOURNAL_FILE = 'journal.log';

/**
 * The journal is merged into a new generation once it holds this many records or bytes. Replay
 * re-inserts every record's vectors into the graph at start-up (~2 ms a chunk at 100k chunks),
 * so the bound keeps a start-up's replay to seconds.
 */
export const JOURNAL_MERGE_RECORDS = 1000;
export const JOURNAL_MERGE_BYTES = 32 * 1024 * 1024;

const MAGIC = 0x3152_4a4e; // "NJR1" read as little-endian u32
const HEADER = 12;

/** One update of one corpus file, as the journal keeps it. */
export type JournalRecord =
  | {
      op: 'put';
      id: DocId;
      hash: string;
      info: ArticleInfo;
      /** The file's chunks in order (none for a near-duplicate shown under another article). */
      chunks: Chunk[];
      /** One vector per chunk, or null when the chunks were not embedded. */
      vectors: Float32Array[] | null;
      /** The model the vectors came from (null without vectors). */
      model: string | null;
      /** The index in memory that wrote it (another writer's records are caught up with, see store.ts). */
      writer?: string;
    }
  | { op: 'remove'; id: DocId; writer?: string };

interface RecordJson {
  op: 'put' | 'remove';
  id: DocId;
  hash?: string;
  info?: ArticleInfo;
  chunks?: ChunkFile;
  model?: string | null;
  dimension?: number;
  writer?: string;
}

/** Encodes records as the bytes to append (one frame each). */
export function encodeRecords(records: readonly JournalRecord[]): Buffer {
  const frames: Buffer[] = [];
  for (const record of records) {
    const json: RecordJson = { op: record.op, id: record.id, writer: record.writer };
    let vectors: Float32Array[] = [];
    if (record.op === 'put') {
      json.hash = record.hash;
      json.info = record.info;
      json.chunks = encodeChunks(new Map(record.chunks.map((c, i) => [i, c])));
      json.model = record.vectors ? record.model : null;
      vectors = record.vectors ?? [];
      json.dimension = vectors[0]?.length ?? 0;
      if (vectors.length > 0 && vectors.length !== record.chunks.length) throw new Error(`${record.id}: ${vectors.length} vectors for ${record.chunks.length} chunks`);
      if (vectors.some((v) => v.length !== json.dimension)) throw new Error(`${record.id}: vectors of different dimensions`);
    }
    const text = Buffer.from(JSON.stringify(json), 'utf8');
    // The vectors start 4-byte aligned within the payload.
    const pad = (4 - ((4 + text.length) % 4)) % 4;
    const payload = Buffer.alloc(4 + text.length + pad + vectors.length * (json.dimension ?? 0) * 4);
    payload.writeUInt32LE(text.length + pad, 0);
    text.copy(payload, 4);
    payload.fill(0x20, 4 + text.length, 4 + text.length + pad); // spaces: still valid JSON
    let at = 4 + text.length + pad;
    for (const v of vectors) {
      for (let i = 0; i < v.length; i++, at += 4) payload.writeFloatLE(v[i]!, at);
    }
    const head = Buffer.alloc(HEADER);
    head.writeUInt32LE(MAGIC, 0);
    head.writeUInt32LE(payload.length, 4);
    head.writeUInt32LE(crc32(payload), 8);
    frames.push(head, payload);
  }
  return Buffer.concat(frames);
}

function decodePayload(payload: Buffer): JournalRecord {
  const jsonBytes = payload.readUInt32LE(0);
  if (4 + jsonBytes > payload.length) throw new Error('a record header longer than its record');
  const json = JSON.parse(payload.subarray(4, 4 + jsonBytes).toString('utf8')) as RecordJson;
  if (json.op === 'remove') return { op: 'remove', id: json.id, writer: json.writer };
  if (json.op !== 'put' || !json.chunks || !json.info || typeof json.hash !== 'string') throw new Error(`a record of unknown shape (${String(json.op)})`);
  const chunks = decodeChunks(json.chunks).map(([, chunk]) => chunk);
  const dimension = json.dimension ?? 0;
  let vectors: Float32Array[] | null = null;
  if (dimension > 0) {
    const at = 4 + jsonBytes;
    if (payload.length !== at + chunks.length * dimension * 4) throw new Error(`${json.id}: the vectors do not fill their record`);
    vectors = chunks.map((_, i) => {
      const v = new Float32Array(dimension);
      for (let d = 0; d < dimension; d++) v[d] = payload.readFloatLE(at + (i * dimension + d) * 4);
      return v;
    });
  }
  return { op: 'put', id: json.id, hash: json.hash, info: json.info, chunks, vectors, model: vectors ? json.model ?? null : null, writer: json.writer };
}

/** What reading a journal found. */
export interface JournalRead {
  records: JournalRecord[];
  /** Bytes of whole records read (where the next record starts). */
  end: number;
  /** A torn last record (a crash mid-append): its size and why, or null. */
  torn: { bytes: number; reason: string } | null;
}

/**
 * Reads the journal's records from byte `from` (0: all). A missing file reads as empty.
 * @throws Error when a record that is not the last one is damaged (the caller reports an
 * unreadable index).
 */
export function readJournal(file: string, from = 0): JournalRead {
  let data: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      data = Buffer.alloc(Math.max(0, size - from));
      let read = 0;
      while (read < data.length) {
        const n = fs.readSync(fd, data, read, data.length - read, from + read);
        if (n === 0) break;
        read += n;
      }
      data = data.subarray(0, read);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], end: from, torn: null };
    throw error;
  }
  const records: JournalRecord[] = [];
  let at = 0;
  const torn = (reason: string): JournalRead => ({ records, end: from + at, torn: { bytes: data.length - at, reason } });
  while (at < data.length) {
    const rest = data.length - at;
    if (rest < HEADER) return torn('an incomplete record header');
    if (data.readUInt32LE(at) !== MAGIC) {
      if (data.subarray(at).every((b) => b === 0)) return torn('a zero-filled tail');
      throw new Error(`journal record at byte ${from + at} has no record marker (corrupted)`);
    }
    const length = data.readUInt32LE(at + 4);
    if (length > rest - HEADER) return torn(`the last record is cut short (${rest - HEADER} of ${length} bytes)`);
    const payload = data.subarray(at + HEADER, at + HEADER + length);
    if (crc32(payload) !== data.readUInt32LE(at + 8)) {
      if (at + HEADER + length === data.length) return torn('the last record fails its checksum');
      throw new Error(`journal record at byte ${from + at} fails its checksum (corrupted)`);
    }
    let record: JournalRecord;
    try {
      record = decodePayload(payload);
    } catch (error) {
      throw new Error(`journal record at byte ${from + at} is unreadable: ${(error as Error).message}`, { cause: error });
    }
    records.push(record);
    at += HEADER + length;
  }
  return { records, end: from + at, torn: null };
}

/** The file operations an append uses; tests pass ones that fail (a full disk, a short write). */
export interface JournalWriter {
  /** Writes `length` bytes of `data` from `offset` at the end of the file; returns bytes written. */
  write(fd: number, data: Buffer, offset: number, length: number): number;
  fsync(fd: number): void;
  /** Cuts the file back to `bytes`. */
  truncate(fd: number, bytes: number): void;
}

/** The real file operations. */
export const FILE_WRITER: JournalWriter = {
  write: (fd, data, offset, length) => fs.writeSync(fd, data, offset, length),
  fsync: (fd) => fs.fsyncSync(fd),
  truncate: (fd, bytes) => fs.ftruncateSync(fd, bytes),
};

/**
 * An append failed and cutting the file back failed too: the journal may end in a partial
 * record, after which no record may be appended (it would turn the torn tail into corruption).
 * A load drops that tail as a crash's, with a warning. An {@link IndexError} (the index stage's
 * error), told apart so the store can stop taking appends.
 */
export class TornJournalError extends IndexError {}

/**
 * Appends records with one write, then fsyncs the file (and its folder when the file is new):
 * once this returns, a crash loses none of them. Returns the file's size before and after.
 * When the write or the fsync fails (a full disk, an I/O error, a short write), the file is cut
 * back to its size before the append and fsynced, so the failed records leave nothing behind and
 * later appends stay readable; the error is then rethrown.
 * @throws TornJournalError when cutting back failed too (the file may end in a partial record).
 */
export function appendRecords(file: string, records: readonly JournalRecord[], writer: JournalWriter = FILE_WRITER): { before: number; after: number } {
  const data = encodeRecords(records);
  const created = !fs.existsSync(file);
  const fd = fs.openSync(file, 'a');
  try {
    const before = fs.fstatSync(fd).size;
    let after: number;
    try {
      let written = 0;
      while (written < data.length) {
        const n = writer.write(fd, data, written, data.length - written);
        if (n <= 0) throw new Error(`writing ${file} made no progress (${written} of ${data.length} bytes written)`);
        written += n;
      }
      writer.fsync(fd);
      after = fs.fstatSync(fd).size;
    } catch (error) {
      try {
        writer.truncate(fd, before);
        writer.fsync(fd);
      } catch (undo) {
        throw new TornJournalError(
          `appending to ${file} failed (${(error as Error).message}) and cutting it back to ${before} bytes failed too (${(undo as Error).message})`,
          { cause: error },
        );
      }
      throw error;
    }
    if (created) syncFolder(path.dirname(file));
    return { before, after };
  } finally {
    fs.closeSync(fd);
  }
}

/** Cuts the journal back to `bytes` (dropping a torn tail) and makes that durable. */
export function truncateJournal(file: string, bytes: number): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.ftruncateSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Flushes a folder's entries (new files, a rename) to disk; best-effort where unsupported. */
export function syncFolder(dir: string): void {
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

/** The fields of a chunk the lexical index holds (body, headline, sub-heading, source line). */
export function lexicalFields(chunk: Chunk): LexicalFields {
  return { text: chunk.text, title: chunk.title, heading: chunk.heading, meta: metadataText(chunk) };
}

/**
 * Applies one record to the index in memory: the file's old chunks leave the chunk map, the
 * lexical index and the graph; a put's chunks come in under new labels (the graph grows when
 * full). Vectors of another model than the index's are not added; the file is then marked not
 * embedded, and the next sync embeds it. Synchronous, so a question never sees half of it.
 *
 * Everything that can fail comes first, before the index changes visibly: the new entry, the
 * lexical fields and the vectors' fit are worked out, then the new chunks go into the graph and
 * the lexical index under fresh labels no file names yet (taken from `nextLabel` for good). Only
 * then do the file's entry and chunks switch over and the old labels leave (map updates and
 * removals, which do not fail).
 * @throws Error when adding to the graph or the lexical index fails (out of memory, a bug): the
 * labels added so far are removed again and the file keeps its previous version. A lexical add
 * that failed halfway may leave stray postings under a label no file names; callers that can,
 * load the index again from disk (src/indexing.ts `updateIndexFiles`).
 */
export function applyRecord(index: CorpusIndex, record: JournalRecord): void {
  const files = index.manifest.files;
  const old = files[record.id];
  // Prepare: nothing below changes the index until every new label is in both indexes.
  let labels: number[] = [];
  let entry: FileEntry | null = null;
  if (record.op === 'put') {
    const model = index.manifest.model;
    const vectors = record.vectors;
    const fits = Boolean(vectors && model && model.id === record.model && vectors.length === record.chunks.length && vectors.every((v) => v.length === model.dimension));
    const dense = fits ? index.dense : null;
    const fields = record.chunks.map(lexicalFields);
    // Labels are taken for good, even if adding fails: the graph cannot take a deleted label again.
    const first = index.manifest.nextLabel;
    labels = record.chunks.map((_, i) => first + i);
    index.manifest.nextLabel += labels.length;
    entry = { hash: record.hash, labels, embedded: Boolean(dense) || (record.chunks.length === 0 && Boolean(model)), info: record.info };
    try {
      if (dense) labels.forEach((label, i) => dense.add(label, vectors![i]!));
      labels.forEach((label, i) => index.lexical.add(label, fields[i]!));
    } catch (error) {
      for (const label of labels) {
        index.dense?.remove(label);
        index.lexical.remove(label);
      }
      throw new Error(`applying the update of ${record.id} to the index in memory failed (${(error as Error).message}); its previous version is kept`, { cause: error });
    }
  }
  // Commit: map updates and removals only.
  if (old) {
    for (const label of old.labels) {
      index.chunks.delete(label);
      index.lexical.remove(label);
      index.dense?.remove(label);
    }
    delete files[record.id];
  }
  if (record.op === 'put') {
    record.chunks.forEach((chunk, i) => index.chunks.set(labels[i]!, chunk));
    files[record.id] = entry!;
  }
  index.manifest.chunks = index.chunks.size;
}
