/**
 * Hybrid retrieval: dense and lexical rankings fused by weighted reciprocal rank, then
 * diversified so one article cannot fill every slot while another also answers.
 *
 * Reciprocal rank fusion needs no score calibration between the two retrievers, so either can
 * carry a question alone (a paraphrase only the model understands; a name only BM25 matches).
 * The lexical weight is higher than the dense one so that a strong lexical match is never pushed
 * out by chunks that are merely near in embedding space.
 */
import type { Chunk, Hit } from '../types.js';
import type { DenseHit } from './dense.js';
import type { LexicalHit } from './lexical.js';

export interface FusionOptions {
  /** RRF constant: larger flattens the difference between ranks. */
  k: number;
  lexicalWeight: number;
  denseWeight: number;
}

export const DEFAULT_FUSION: FusionOptions = { k: 60, lexicalWeight: 1, denseWeight: 0.8 };

/** Fuses two rankings of chunk labels into hits, best first. */
export function fuse(
  lexical: LexicalHit[],
  dense: DenseHit[],
  chunkOf: (label: number) => Chunk | undefined,
  options: FusionOptions = DEFAULT_FUSION,
): Hit[] {
  const hits = new Map<number, Hit>();
  const entry = (label: number): Hit | undefined => {
    let hit = hits.get(label);
    if (!hit) {
      const chunk = chunkOf(label);
      if (!chunk) return undefined;
      hits.set(label, (hit = { chunk, score: 0, signals: {} }));
    }
    return hit;
  };
  lexical.forEach((h, i) => {
    const hit = entry(h.label);
    if (!hit) return;
    hit.signals.lexical = { rank: i + 1, score: h.score };
    hit.score += options.lexicalWeight / (options.k + i + 1);
  });
  dense.forEach((h, i) => {
    const hit = entry(h.label);
    if (!hit) return;
    hit.signals.dense = { rank: i + 1, score: h.score };
    hit.score += options.denseWeight / (options.k + i + 1);
  });
  return [...hits.values()].sort((a, b) => b.score - a.score || a.chunk.id.localeCompare(b.chunk.id));
}

/**
 * Keeps the fused order but admits at most `perDoc` chunks of one document while other
 * documents still have candidates; the overflow follows, so nothing relevant is dropped.
 */
export function diversify(hits: Hit[], limit: number, perDoc = 2): Hit[] {
  const taken: Hit[] = [];
  const overflow: Hit[] = [];
  const count = new Map<string, number>();
  for (const hit of hits) {
    const n = count.get(hit.chunk.docId) ?? 0;
    if (n < perDoc) {
      taken.push(hit);
      count.set(hit.chunk.docId, n + 1);
    } else overflow.push(hit);
  }
  return [...taken, ...overflow].slice(0, limit);
}
