/**
 * A chunk's text as the matching stages read it: each sentence normalised once. The reranker's
 * trigrams (the words of the whole chunk) and the answer's sentence evidence (each sentence's
 * stems) both come from it, so a candidate chunk is normalised once however many stages read it.
 */
import { normalize } from '../text/arabic.js';
import type { Chunk } from '../types.js';

export interface ChunkText {
  /** Each sentence of the chunk, normalised. */
  readonly normalized: readonly string[];
  /**
   * Whether the chunk's text is its sentences joined by single spaces (as chunking makes it), so
   * that the words of its text are the words of its sentences in turn (normalisation and word
   * splitting never reach across a space).
   */
  readonly joined: boolean;
}

/** Normalises a chunk's sentences. */
export function chunkText(chunk: Chunk): ChunkText {
  const sentences = chunk.sentences ?? [];
  return { normalized: sentences.map((s) => normalize(s.text)), joined: sentences.length > 0 && isJoined(chunk.text, sentences) };
}

/** Whether `text` is exactly the sentences' texts joined by single spaces. */
function isJoined(text: string, sentences: ReadonlyArray<{ text: string }>): boolean {
  let at = 0;
  for (const s of sentences) {
    if (at > 0) {
      if (text.charCodeAt(at) !== 0x20) return false;
      at++;
    }
    if (!text.startsWith(s.text, at)) return false;
    at += s.text.length;
  }
  return at === text.length;
}
