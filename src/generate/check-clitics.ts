/**
 * Arabic clitic readings of a normalised word (و/ف, ب/ل/ك, the article taken off), as the answer
 * checker (check.ts) matches numbers, dates, names and source words.
 */

/** {@link arabicForms} by word (news repeats its words); bounded. */
const FORMS_CACHE = new Map<string, string[]>();

/** Arabic clitic readings of a normalised word: itself, without و/ف, without ب/ل/ك, without the article. */
export function arabicForms(word: string): string[] {
  const cached = FORMS_CACHE.get(word);
  if (cached) return cached;
  const out = [word];
  const conj = /^[وف]/.test(word) && word.length > 2 ? word.slice(1) : '';
  for (const w of conj ? [word, conj] : [word]) {
    if (w.length >= 2 && !out.includes(w)) out.push(w);
    const noPrep = /^[بلك]/.test(w) && w.length > 3 ? w.slice(1) : w;
    if (noPrep.length >= 2 && !out.includes(noPrep)) out.push(noPrep);
    for (const v of noPrep === w ? [w] : [w, noPrep]) {
      if ((v.startsWith('ال') || v.startsWith('لل')) && v.length > 3) {
        const bare = v.slice(2);
        if (!out.includes(bare)) out.push(bare);
      }
    }
  }
  if (FORMS_CACHE.size > 50_000) FORMS_CACHE.clear();
  FORMS_CACHE.set(word, out);
  return out;
}

/** Whether a normalised word carries the article, with or without و/ف and ب/ل/ك («الرئيس», «وبالعاصمة»). */
export function hasArticle(word: string): boolean {
  return /^(?:[وف]?(?:ال|بال|لل|كال))/.test(word);
}
