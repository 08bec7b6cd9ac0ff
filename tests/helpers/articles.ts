/**
 * FIXTURE builder: a synthetic Article whose raw text is its headline line followed by one line
 * per paragraph, with exact offsets. For unit tests of stages after parsing.
 */
import { createHash } from 'node:crypto';
import type { Article, Paragraph } from '../../src/types.js';

export interface ArticleSpec {
  title?: string | null;
  outlet?: string | null;
  date?: string | null;
  paragraphs: Array<string | { heading: string }>;
}

export function makeArticle(id: string, spec: ArticleSpec): Article {
  let raw = `${spec.title ?? ''}\n`;
  const paragraphs: Paragraph[] = [];
  for (const p of spec.paragraphs) {
    const text = typeof p === 'string' ? p : p.heading;
    paragraphs.push({ start: raw.length, end: raw.length + text.length, text, heading: typeof p !== 'string' });
    raw += text + '\n';
  }
  const meta = { title: spec.title ?? null, outlet: spec.outlet ?? null, agency: null, date: spec.date ?? null };
  return {
    id,
    path: `/fixture/${id}`,
    raw,
    hash: createHash('sha256').update(raw).digest('hex'),
    ...meta,
    sections: [{ index: 0, kind: 'main', ...meta, paragraphs }],
  };
}
