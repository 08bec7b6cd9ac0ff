/**
 * Sentence splitting of a streamed generated answer ({@link splitGenerated}): which sentences are
 * complete and may be checked, and the tail that may still grow. Part of the answer checker (check.ts).
 */
import { CITATION, OPEN_CITATION } from './check-citations.js';

const TERMINATORS = new Set(['.', '!', '?', '؟', '؛', '\n']);

const CLOSERS = new Set(['"', '”', '»', "'", ')', '’', '*', '_', '\u200F', '\u200E']);

/** Words after which a period is an abbreviation's (lower case, without the period). */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'gen', 'col', 'lt', 'sgt', 'capt', 'gov', 'sen', 'rep', 'vs', 'etc', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'approx', 'est', 'inc', 'ltd', 'co', 'corp', 'dept', 'fig']);

/** Whether the period at `i` ends an abbreviation or an initial rather than a sentence («U.S.», «V. Putin», «Dr.»). */
function isAbbreviationPeriod(text: string, i: number): boolean {
  let s = i;
  while (s > 0 && /[A-Za-z]/.test(text[s - 1]!)) s--;
  const word = text.slice(s, i);
  if (word.length === 0) return false;
  const before = s > 0 ? text[s - 1]! : ' ';
  if (word.length === 1 && /[A-Z]/.test(word) && /[\s(."“«]/.test(before)) return true; // initials: U.S., V. Putin
  if (word.length === 1 && /[a-z]/.test(word) && (before === '.' || (/[a-z]/.test(text[i + 1] ?? '') && text[i + 2] === '.'))) return true; // e.g., i.e.
  return ABBREVIATIONS.has(word.toLowerCase()) && /[\s(]/.test(before) || (s === 0 && ABBREVIATIONS.has(word.toLowerCase()));
}

/**
 * Complete sentences of a (possibly still growing) generated text, and the incomplete tail.
 * Sentences end at . ! ? ؟ ؛ and line breaks, never inside a number (13.8, ١٣٫٨), after an
 * abbreviation or initial («U.S.», «Dr.») or after a list number at the start of a line («1.»);
 * closing quotes and brackets stay with the sentence they end, and so do citations right after
 * its period («… in 2022. [2]»). A sentence is complete only once something other than
 * whitespace or a citation follows it (a citation, or the digits of a number, may still come),
 * so the last sentence of a finished answer is in `rest`: {@link checkAnswer} checks it too.
 */
export function splitGenerated(text: string): { sentences: string[]; rest: string } {
  const sentences: string[] = [];
  const n = text.length;
  let start = 0;
  let i = 0;
  outer: while (i < n) {
    const c = text[i]!;
    if (!TERMINATORS.has(c)) {
      i++;
      continue;
    }
    if (c === '.') {
      const prevDigit = /[0-9\u0660-\u0669\u06F0-\u06F9]/.test(text[i - 1] ?? '');
      if (prevDigit && i + 1 === n) break; // «13.» may become «13.8»
      if (prevDigit && /[0-9\u0660-\u0669\u06F0-\u06F9]/.test(text[i + 1]!)) {
        i++;
        continue;
      }
      if (isAbbreviationPeriod(text, i)) {
        i++;
        continue;
      }
      // «1. » at the start of a line is a list number, not a sentence.
      const lineStart = text.lastIndexOf('\n', i - 1) + 1;
      if (/^\s*[0-9\u0660-\u0669\u06F0-\u06F9]{1,2}$/.test(text.slice(lineStart, i))) {
        i++;
        continue;
      }
    }
    let end = i + 1;
    while (end < n && TERMINATORS.has(text[end]!) && text[end] !== '\n') end++;
    while (end < n && CLOSERS.has(text[end]!)) end++;
    // Citations right after the period belong to this sentence; wait while one may still come.
    for (;;) {
      let k = end;
      while (k < n && /\s/.test(text[k]!)) k++;
      if (k === n) break outer;
      if (text[k] !== '[') break;
      CITATION.lastIndex = k;
      const m = CITATION.exec(text);
      if (m && m.index === k) {
        end = k + m[0].length;
        while (end < n && (text[end] === '.' || CLOSERS.has(text[end]!))) end++;
        continue;
      }
      if (OPEN_CITATION.test(text.slice(k))) break outer;
      break;
    }
    const sentence = text.slice(start, end).trim();
    if (/[\p{L}\p{N}]/u.test(sentence)) sentences.push(sentence);
    start = end;
    i = end;
  }
  return { sentences, rest: text.slice(start) };
}
