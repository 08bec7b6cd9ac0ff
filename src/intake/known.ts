/**
 * The duplicate tables: what intake knows of every corpus file, by file, canonical address, text
 * key and origin key, with the MinHash near-duplicate index (src/intake/dedup.ts); rebuilt from
 * the corpus folder's front matter and text, and kept up to date as files are written or changed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArticle } from '../ingest/articles.js';
import type { Logger } from '../log.js';
import type { ArticleInfo, DocId, Engine } from '../types.js';
import { articleBody, bodyOf, sha } from './article-file.js';
import { minhash, NearDuplicates, textKey } from './dedup.js';
import { lines, type Draft } from './drafts.js';
import { safeCanonical } from './metadata.js';
import type { ArticleRef, IntakeResult } from './results.js';

/** What the service remembers of one corpus file. */
export interface Known extends ArticleRef {
  url: string | null;
  urlKey: string | null;
  textKey: string;
  origin: string | null;
  duplicateOf: DocId | null;
  /** The file's text, to tell a rewrite by the service from someone else's edit. */
  hash: string;
}

/** The text key and MinHash signature of an article body. */
function keysOf(body: string): { key: string; sig: ReturnType<typeof minhash> } {
  const text = lines(body).join('\n');
  return { key: textKey(text), sig: minhash(text) };
}

/** Whether two outlet names are the same outlet (both known; case and spacing aside). */
function sameOutlet(a: string | null, b: string | null): boolean {
  const key = (x: string) => x.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  return a !== null && b !== null && key(a) === key(b);
}

/** The duplicate tables over the corpus folder's files. */
export class KnownArticles {
  private readonly byFile = new Map<DocId, Known>();
  private readonly byUrl = new Map<string, DocId>();
  private readonly byText = new Map<string, DocId>();
  private readonly byOrigin = new Map<string, DocId>();
  private readonly near = new NearDuplicates();

  /** Reads every `*.txt` file of the corpus folder into the tables (`engine.info` spares parsing files without front matter). */
  async build(corpusDir: string, engine: Partial<Pick<Engine, 'info'>>, log: Logger): Promise<void> {
    const started = performance.now();
    await fs.mkdir(corpusDir, { recursive: true });
    const names = (await fs.readdir(corpusDir)).filter((n) => /\.txt$/i.test(n)).sort();
    // The index already knows each article's metadata: files without front matter are not parsed again.
    this.indexed = new Map((engine.info?.().articles ?? []).map((a) => [a.file, a]));
    for (const [i, name] of names.entries()) {
      await this.learnFile(corpusDir, name);
      if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
    }
    this.indexed = null;
    log.debug({ files: this.byFile.size, ms: Math.round(performance.now() - started) }, 'intake duplicate tables built from the corpus folder');
  }

  /** Article metadata from the index while the tables are built. */
  private indexed: Map<DocId, ArticleInfo> | null = null;

  /** How many corpus files the tables hold. */
  get size(): number {
    return this.byFile.size;
  }

  /** What the tables hold of a file. */
  get(file: DocId): Known | undefined {
    return this.byFile.get(file);
  }

  /** Whether the tables hold a file. */
  has(file: DocId): boolean {
    return this.byFile.has(file);
  }

  /** The file holding an origin key. */
  fileOfOrigin(origin: string): DocId | undefined {
    return this.byOrigin.get(origin);
  }

  /**
   * A draft checked against the tables: a duplicate result (the same address, text or origin), or
   * the article holding its story when it is a near-duplicate from another outlet. `previous` is
   * the file the draft rewrites (an edit), which it is not measured against.
   */
  check(draft: Draft, previous: DocId | undefined): IntakeResult | { alsoOf: { id: DocId; similarity: number } | null } {
    const urlKey = safeCanonical(draft.url);
    const body = articleBody(draft.paragraphs);
    const { key, sig } = keysOf(body);
    if (!previous && urlKey && this.byUrl.has(urlKey)) return { status: 'duplicate', of: this.ref(this.byUrl.get(urlKey)!), why: 'same address' };
    const sameText = this.byText.get(key);
    if (sameText && sameText !== previous) return { status: 'duplicate', of: this.ref(sameText), why: 'same text' };
    if (previous && sameText === previous) {
      // The same post delivered again (or edited without changing its text).
      return { status: 'duplicate', of: this.ref(previous), why: 'same text' };
    }
    if (!previous && this.byOrigin.has(draft.origin)) {
      return { status: 'duplicate', of: this.ref(this.byOrigin.get(draft.origin)!), why: 'same address' };
    }

    // A near-duplicate is the same story from another outlet. One outlet's own near-identical
    // texts are its templated items (a daily rate, a library opened in another town: 0.52 on
    // MinHash for two such items), not one story: they are indexed each.
    let alsoOf: { id: DocId; similarity: number } | null = null;
    const match = this.near.find(sig);
    if (match && match.id !== previous) {
      const root = this.byFile.get(match.id)?.duplicateOf ?? match.id;
      const holder = this.byFile.get(root);
      if (holder && !sameOutlet(holder.outlet, draft.outlet)) alsoOf = { id: root, similarity: match.similarity };
    }
    return { alsoOf };
  }

  /** Brings one file up to date with its text as read now (null: gone); false when nothing changed. */
  sync(name: DocId, raw: string | null): boolean {
    const known = this.byFile.get(name);
    // The service's own writes come back through the watcher: already known and indexed.
    if (raw === null ? !known : known?.hash === sha(raw)) return false;
    this.forget(name);
    if (raw !== null) this.remember(name, raw);
    return true;
  }

  /** A duplicate result when this address (canonically) is already an article. */
  sameAddress(url: string): IntakeResult | null {
    const key = safeCanonical(url);
    const file = key ? this.byUrl.get(key) : undefined;
    return file ? { status: 'duplicate', of: this.ref(file), why: 'same address' } : null;
  }

  /** The article a known file holds, as a result names it (nulls for a file not known). */
  ref(file: DocId): ArticleRef {
    const k = this.byFile.get(file);
    return { file, title: k?.title ?? null, outlet: k?.outlet ?? null, date: k?.date ?? null };
  }

  /** Reads one corpus file into the tables (a missing or unreadable file is left out). */
  private async learnFile(corpusDir: string, name: DocId): Promise<void> {
    let raw: string;
    try {
      raw = await fs.readFile(path.join(corpusDir, name), 'utf8');
    } catch {
      return;
    }
    this.remember(name, raw.replace(/^\uFEFF/, ''));
  }

  /** Takes a file's text into the tables (a file with no text is left out). */
  remember(name: DocId, raw: string): void {
    const { fields, body } = bodyOf(raw);
    if (!/[\p{L}\p{N}]/u.test(body)) return;
    let title = fields.title ?? null;
    let outlet = fields.outlet ?? null;
    let date = fields.date ?? null;
    let text = body;
    const info = this.indexed?.get(name);
    if (info && !fields.title) {
      title = info.title;
      outlet ??= info.outlet;
      date ??= info.date;
      if (info.title) {
        const headline = info.title.replace(/\s+/g, ' ').trim();
        text = lines(body).filter((l) => l !== headline).join('\n');
      }
    } else if (!fields.title || !fields.outlet || !fields.date) {
      try {
        const article = parseArticle({ id: name, raw });
        title ??= article.title;
        outlet ??= article.outlet;
        date ??= article.date;
        // A scraped file holds its headline as a line of text; intake's files hold it in the
        // front matter: the text key is of the body alone in both.
        if (!fields.title && article.title) {
          const headline = article.title.replace(/\s+/g, ' ').trim();
          text = lines(body).filter((l) => l !== headline).join('\n');
        }
      } catch {
        // metadata stays null
      }
    }
    const { key, sig } = keysOf(text);
    const urlKey = safeCanonical(fields.url);
    const known: Known = {
      file: name,
      title,
      outlet,
      date,
      url: fields.url ?? null,
      urlKey,
      textKey: key,
      origin: fields.origin ?? null,
      duplicateOf: fields.duplicateOf ?? null,
      hash: sha(raw),
    };
    this.byFile.set(name, known);
    if (urlKey && !this.byUrl.has(urlKey)) this.byUrl.set(urlKey, name);
    if (!this.byText.has(key)) this.byText.set(key, name);
    if (known.origin && !this.byOrigin.has(known.origin)) this.byOrigin.set(known.origin, name);
    if (!known.duplicateOf) this.near.add(name, sig);
  }

  /** Leaves a file out of the tables. */
  forget(name: DocId): void {
    const k = this.byFile.get(name);
    if (!k) return;
    this.byFile.delete(name);
    if (k.urlKey && this.byUrl.get(k.urlKey) === name) this.byUrl.delete(k.urlKey);
    if (this.byText.get(k.textKey) === name) this.byText.delete(k.textKey);
    if (k.origin && this.byOrigin.get(k.origin) === name) this.byOrigin.delete(k.origin);
    this.near.remove(name);
  }
}
