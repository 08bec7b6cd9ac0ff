/**
 * Reading the corpus folder: every `*.txt` file directly inside it, in name order, parsed into an
 * {@link Article}. One bad file never stops ingestion: it is skipped with a warning naming it and
 * the reason. Only a missing or unreadable folder is an error ({@link CorpusError}).
 */
import { createHash } from 'node:crypto';
import { constants, promises as fs, type Dirent } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CorpusError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Article, DocId } from '../types.js';
import { parseArticle } from './articles.js';

/** Default largest file read: 5 MB (a news article is a few KB). */
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

export interface ReadCorpusOptions {
  /** Files larger than this many bytes are skipped. Default {@link DEFAULT_MAX_BYTES}. */
  maxBytes?: number;
  /**
   * Whether a file with this name and content hash is already indexed: such a file is not
   * parsed again (start-up of a large corpus would otherwise re-parse every article).
   */
  unchanged?: (name: string, hash: string) => boolean;
}

export interface CorpusRead {
  /** Articles read and parsed (new or changed ones when `unchanged` was given). */
  articles: Article[];
  /** Files found unchanged by `options.unchanged`: read and hashed, not parsed. */
  unchanged: Array<{ id: DocId; hash: string }>;
  /** Files that could not be used, by file name, with the reason. */
  skipped: Array<{ file: string; reason: string }>;
}

/** sha256 of a file's bytes, hex. */
export function fileHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Reads every `*.txt` file directly inside `dir` (sorted by name; other files are ignored
 * silently). Skips, with `log.warn({ file }, …)`, files that are unreadable, empty or only
 * whitespace, binary (NUL bytes), not valid UTF-8, larger than `maxBytes`, symlinks resolving
 * outside the folder, left with no body text after removing site chrome, or byte-identical to an
 * earlier file. A UTF-8 BOM is removed. Throws {@link CorpusError} only when the folder itself
 * is missing or unreadable.
 */
export async function readCorpus(dir: string, log: Logger, options: ReadCorpusOptions = {}): Promise<CorpusRead> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const folder = path.resolve(dir);
  const { entries, realFolder } = await listFolder(folder);
  const articles: Article[] = [];
  const unchanged: CorpusRead['unchanged'] = [];
  const skipped: CorpusRead['skipped'] = [];
  const seen = new Map<string, string>();
  const skip = (file: string, reason: string, extra: Record<string, unknown> = {}) => {
    skipped.push({ file, reason });
    log.warn({ file, ...extra }, `Skipping corpus file ${file}: ${reason}`);
  };

  // Files load READ_AHEAD at a time and are handled in name order, as if read one by one.
  const loads: Array<Promise<Loaded> | undefined> = [];
  const load = (i: number) => (loads[i] ??= loadFile(path.join(folder, entries[i]!), realFolder, maxBytes));
  for (const [i, name] of entries.entries()) {
    const file = path.join(folder, name);
    for (let ahead = i; ahead < Math.min(entries.length, i + READ_AHEAD); ahead++) void load(ahead);
    const loaded = await load(i);
    loads[i] = undefined;
    if ('reason' in loaded) {
      skip(name, loaded.reason);
      continue;
    }
    const earlier = seen.get(loaded.hash);
    if (earlier !== undefined) {
      skip(name, `duplicate of ${earlier} (same content)`, { duplicateOf: earlier });
      continue;
    }
    seen.set(loaded.hash, name);
    if (options.unchanged?.(name, loaded.hash)) {
      unchanged.push({ id: name, hash: loaded.hash });
      continue;
    }
    let article: Article;
    try {
      article = parseArticle({ id: name, raw: loaded.text, path: file, hash: loaded.hash });
    } catch (error) {
      skip(name, `could not be parsed: ${describeError(error)}`);
      continue;
    }
    if (!article.sections.some((s) => s.paragraphs.some((p) => !p.heading))) {
      skip(name, 'no body text left after removing site chrome');
      continue;
    }
    articles.push(article);
  }
  log.debug({ folder, articles: articles.length, skipped: skipped.length }, 'corpus read');
  return { articles, unchanged, skipped };
}

/** What reading one corpus file by name found (see {@link readCorpusFile}). */
export type CorpusFileRead =
  | { article: Article }
  | { unchanged: true; hash: string }
  | { missing: true }
  | { reason: string; hash?: string };

/**
 * Reads one file of the corpus folder by name with the checks {@link readCorpus} makes (size,
 * binary, UTF-8, symlinks outside the folder, empty, no body text after cleaning): its article,
 * `unchanged` when `options.unchanged` says its name and hash are indexed already (not parsed),
 * `missing` when there is no such file, or the reason it cannot be used (not logged here). A name
 * that is not a `*.txt` file directly inside the folder is refused. Throws {@link CorpusError}
 * only when the folder itself is missing or unreadable.
 */
export async function readCorpusFile(dir: string, name: string, options: ReadCorpusOptions = {}): Promise<CorpusFileRead> {
  if (name !== path.basename(name) || name.includes('\\') || !/\.txt$/i.test(name) || name === '.txt') {
    return { reason: 'not the name of a .txt file directly inside the corpus folder' };
  }
  const folder = path.resolve(dir);
  let realFolder: string;
  try {
    realFolder = await fs.realpath(folder);
  } catch {
    ({ realFolder } = await listFolder(folder)); // throws the CorpusError naming the problem
  }
  const file = path.join(folder, name);
  try {
    await fs.lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
  }
  const loaded = await loadFile(file, realFolder, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if ('reason' in loaded) return loaded;
  if (options.unchanged?.(name, loaded.hash)) return { unchanged: true, hash: loaded.hash };
  let article: Article;
  try {
    article = parseArticle({ id: name, raw: loaded.text, path: file, hash: loaded.hash });
  } catch (error) {
    return { reason: `could not be parsed: ${describeError(error)}`, hash: loaded.hash };
  }
  if (!article.sections.some((s) => s.paragraphs.some((p) => !p.heading))) return { reason: 'no body text left after removing site chrome', hash: loaded.hash };
  return { article };
}

/**
 * How many files are being loaded at once. Each load is five round trips to libuv's thread pool
 * (lstat, open, fstat, read, close; seven before) of ~0.1 ms each, wall and CPU, on a busy 2-core
 * machine: one file at a time, 28k files took ~20 s; overlapped, the round trips share wake-ups.
 */
const READ_AHEAD = 16;

/** Names of the `*.txt` entries of the folder, sorted; throws {@link CorpusError} when it cannot be listed. */
async function listFolder(folder: string): Promise<{ entries: string[]; realFolder: string }> {
  let dirents: Dirent[];
  let realFolder: string;
  try {
    dirents = await fs.readdir(folder, { withFileTypes: true });
    realFolder = await fs.realpath(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${describeError(error)})`;
    throw new CorpusError(
      `Corpus folder "${folder}" ${what}: set CORPUS_DIR to the folder holding the article .txt files, or create it.`,
      folder,
      { cause: error },
    );
  }
  const entries = dirents
    .filter((d) => /\.txt$/i.test(d.name) && (d.isFile() || d.isSymbolicLink()))
    .map((d) => d.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { entries, realFolder };
}

type Loaded = { text: string; hash: string } | { reason: string };

/**
 * Open flags: read-only; never through a symlink (a name swapped for a link after it was
 * checked fails instead of reading outside the folder); never blocking on a FIFO.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Reads at most `limit` bytes from an open file whose size was `expected` bytes when opened.
 * The buffer starts at that size plus one byte (so a file that grew meanwhile fills it) and
 * doubles, up to `limit`, while the file keeps going: a buffer of the whole limit per file
 * (5 MB, zero-filled) took ~0.5 ms each, seconds of a start-up over tens of thousands of files.
 */
async function readAtMost(handle: FileHandle, limit: number, expected: number): Promise<Buffer> {
  let buffer = Buffer.alloc(Math.min(limit, expected + 1));
  let length = 0;
  while (length < limit) {
    if (length === buffer.length) {
      const bigger = Buffer.alloc(Math.min(limit, buffer.length * 2));
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const wanted = buffer.length - length;
    const { bytesRead } = await handle.read(buffer, length, wanted, length);
    length += bytesRead;
    // A regular file reads short only at its end: no extra round trip to read nothing.
    if (bytesRead < wanted) break;
  }
  return buffer.subarray(0, length);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads and decodes one file, or says why it cannot be used. The size is checked before
 * anything is read, and at most `maxBytes + 1` bytes are ever read (a file that grows meanwhile
 * is still refused); a file removed between listing and reading is skipped as unreadable.
 */
async function loadFile(file: string, realFolder: string, maxBytes: number): Promise<Loaded> {
  let bytes: Buffer;
  let handle: FileHandle | undefined;
  try {
    const link = await fs.lstat(file);
    let target = file;
    if (link.isSymbolicLink()) {
      target = await fs.realpath(file);
      const relative = path.relative(realFolder, target);
      if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
        return { reason: `symlink to ${target}, outside the corpus folder` };
      }
    }
    // A file that is not a link was just stat'ed by the lstat (one round trip fewer per file).
    const stat = link.isSymbolicLink() ? await fs.stat(target) : link;
    if (!stat.isFile()) return { reason: 'not a regular file' };
    if (stat.size > maxBytes) return { reason: `too large: ${stat.size} bytes, the limit is ${maxBytes}` };
    handle = await fs.open(target, OPEN_FLAGS);
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== stat.ino || opened.dev !== stat.dev) return { reason: 'replaced while the corpus was being read' };
    if (opened.size > maxBytes) return { reason: `too large: ${opened.size} bytes, the limit is ${maxBytes}` };
    bytes = await readAtMost(handle, maxBytes + 1, opened.size);
  } catch (error) {
    return { reason: `unreadable: ${describeError(error)}` };
  } finally {
    await handle?.close().catch(() => undefined);
  }
  if (bytes.length > maxBytes) return { reason: `too large: ${bytes.length} bytes, the limit is ${maxBytes}` };
  if (bytes.length === 0) return { reason: 'empty file' };
  if (bytes.includes(0)) return { reason: 'binary file (contains NUL bytes)' };
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { reason: 'not valid UTF-8 text' };
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1); // TextDecoder strips a BOM already; belt and braces
  if (text.trim() === '') return { reason: 'only whitespace' };
  return { text, hash: fileHash(bytes) };
}
