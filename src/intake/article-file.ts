/**
 * The article files intake writes into the corpus folder: their name (`<date>_<12 hex of the
 * origin key>.txt`), their text (front matter, src/ingest/front-matter.ts, then the paragraphs),
 * writing one atomically, and reading one back into its fields and body.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '../errors.js';
import { parseFrontMatter, renderArticleFile, type FrontMatter } from '../ingest/front-matter.js';
import type { Logger } from '../log.js';
import { writeFileAtomic } from '../store.js';
import type { DocId } from '../types.js';
import type { Draft } from './drafts.js';
import type { IntakeResult } from './results.js';

/** The SHA-256 of a text, in hex (a file's text; the origin key in a file name). */
export const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A file-name-safe date: the article's, else today's by the clock. */
function nameDate(date: string | null, now: number): string {
  return date ?? new Date(now).toISOString().slice(0, 10);
}

/** `<date>_<12 hex of the origin key>.txt`: stable for one origin, readable in a listing. */
export function articleFileName(draft: Draft, now: number, corpusDir: string, taken: (name: DocId) => boolean): DocId {
  const base = `${nameDate(draft.date, now)}_${sha(draft.origin).slice(0, 12)}`;
  let name = `${base}.txt`;
  // A name taken by a file the tables left out (empty, unreadable) is not overwritten either.
  for (let n = 2; taken(name) || existsSync(path.join(corpusDir, name)); n++) name = `${base}-${n}.txt`;
  return name;
}

/** An article file's text: the draft's front matter (`duplicate-of` when given, `added` by the clock), then its paragraphs. */
export function articleFileText(draft: Draft, duplicateOf: DocId | null, now: number): string {
  return renderArticleFile(
    {
      ...(draft.title ? { title: draft.title } : {}),
      ...(draft.outlet ? { outlet: draft.outlet } : {}),
      ...(draft.date ? { date: draft.date } : {}),
      ...(draft.url ? { url: draft.url } : {}),
      source: draft.source,
      origin: draft.origin,
      ...(duplicateOf ? { duplicateOf } : {}),
      added: new Date(now).toISOString(),
    },
    draft.paragraphs,
  );
}

/** The body of a draft's file without front matter (what its text key and MinHash are of). */
export function articleBody(paragraphs: string[]): string {
  return renderArticleFile({}, paragraphs).replace(/^---\n---\n/, '');
}

/** Writes an article file atomically; a rejection (logged) when it cannot be written, else null. */
export function writeArticleFile(corpusDir: string, name: DocId, text: string, log: Logger): Extract<IntakeResult, { status: 'rejected' }> | null {
  const file = path.join(corpusDir, name);
  try {
    writeFileAtomic(file, text);
  } catch (error) {
    log.error({ file, error: describeError(error) }, 'could not write the article file');
    return { status: 'rejected', reason: `could not write ${file}: ${describeError(error)} (check CORPUS_DIR's permissions and free space)`, code: 'index' };
  }
  return null;
}

/** The body lines of an article file (after its front matter, if any). */
export function bodyOf(raw: string): { fields: FrontMatter; body: string } {
  const fm = parseFrontMatter(raw);
  return fm ? { fields: fm.fields, body: raw.slice(fm.bodyStart) } : { fields: {}, body: raw };
}
