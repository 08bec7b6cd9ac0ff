/**
 * Where a cited story was published: a citation of an article that came from the web or a public
 * channel carries its address (`url`), and the other outlets that published the same story (a
 * wire text indexed once, its near-duplicates recorded with `duplicateOf`) are listed under it
 * as «also published by». Only the article itself (section 0) has that address and those
 * republications; a related story appended to it does not.
 */
import type { Answer, ArticleInfo, DocId } from './types.js';

/** The articles recorded as near-duplicates of each article, from the index's file entries. */
export function duplicatesByArticle(infos: Iterable<ArticleInfo>): Map<DocId, ArticleInfo[]> {
  const byArticle = new Map<DocId, ArticleInfo[]>();
  for (const info of infos) {
    if (!info.duplicateOf) continue;
    const list = byArticle.get(info.duplicateOf) ?? [];
    list.push(info);
    byArticle.set(info.duplicateOf, list);
  }
  for (const list of byArticle.values()) list.sort((a, b) => (a.date ?? '').localeCompare(b.date ?? '') || a.file.localeCompare(b.file));
  return byArticle;
}

/**
 * The answer with each main-story citation's `url` and `alsoPublishedBy` filled in (other fields
 * untouched; a new object, the input is not changed).
 */
export function withPublication(answer: Answer, info: (file: DocId) => ArticleInfo | undefined, duplicates: ReadonlyMap<DocId, ArticleInfo[]>): Answer {
  if (answer.citations.length === 0) return answer;
  return {
    ...answer,
    citations: answer.citations.map((c) => {
      if (c.section !== 'main') return { ...c, url: null, alsoPublishedBy: [] };
      const also = duplicates.get(c.file) ?? [];
      return {
        ...c,
        url: info(c.file)?.url ?? null,
        alsoPublishedBy: also.map((d) => ({ file: d.file, outlet: d.outlet, date: d.date, url: d.url ?? null })),
      };
    }),
  };
}
