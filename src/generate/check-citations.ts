/**
 * Citations in a generated answer: the bracket forms «[1]», «[1, 2]», «[١،٢]» (digits in the
 * three scripts), a bracket still open at the end of a streamed text, and the source numbers a
 * bracket names. Part of the answer checker (check.ts).
 */

const DIGIT = '[0-9\\u0660-\\u0669\\u06F0-\\u06F9]';

/** «[1]», «[1, 2]», «[١،٢]»: a bracket of source numbers. */
export const CITATION = new RegExp(`\\[\\s*(${DIGIT}+(?:\\s*[,،؛;]\\s*${DIGIT}+)*)\\s*\\]`, 'g');

/** A citation bracket not yet closed at the end of the text (streaming). */
export const OPEN_CITATION = new RegExp(`^\\[\\s*(?:${DIGIT}+(?:\\s*[,،؛;]\\s*${DIGIT}+)*)?\\s*(?:[,،؛;]\\s*)?$`);

function asciiDigits(s: string): string {
  return s.replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660)).replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
}

/** The source numbers a citation bracket's body names, in any digits («1, 2», «١،٢»). */
export function citedNumbers(bracketBody: string): number[] {
  return asciiDigits(bracketBody)
    .split(/[,،؛;]/)
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n));
}
