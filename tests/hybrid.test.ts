import { describe, expect, it } from 'vitest';
import { diversify, fuse } from '../src/retrieve/hybrid.js';
import type { Chunk } from '../src/types.js';

const chunk = (label: number, docId: string) => ({ id: `${docId}#0.${label}`, docId }) as Chunk;
const chunks = new Map([0, 1, 2, 3, 4].map((l) => [l, chunk(l, l < 3 ? 'a' : `d${l}`)]));

describe('fuse (reciprocal rank fusion)', () => {
  it('puts a chunk both retrievers rank high above chunks only one ranks', () => {
    const hits = fuse(
      [{ label: 1, score: 9 }, { label: 0, score: 5 }, { label: 2, score: 1 }],
      [{ label: 3, score: 0.9 }, { label: 0, score: 0.8 }],
      (l) => chunks.get(l),
    );
    expect(hits[0]!.chunk.id).toBe('a#0.0');
    expect(hits[0]!.signals).toEqual({ lexical: { rank: 2, score: 5 }, dense: { rank: 2, score: 0.8 } });
  });
  it('lets either retriever carry a question alone', () => {
    expect(fuse([], [{ label: 4, score: 0.9 }], (l) => chunks.get(l)).map((h) => h.chunk.id)).toEqual(['d4#0.4']);
    expect(fuse([{ label: 4, score: 3 }], [], (l) => chunks.get(l)).map((h) => h.chunk.id)).toEqual(['d4#0.4']);
  });
  it('ranks the lexical top hit above the dense top hit when each is alone', () => {
    const hits = fuse([{ label: 3, score: 9 }], [{ label: 4, score: 0.9 }], (l) => chunks.get(l));
    expect(hits[0]!.chunk.docId).toBe('d3');
  });
  it('ignores labels that no longer exist', () => {
    expect(fuse([{ label: 99, score: 1 }], [], (l) => chunks.get(l))).toEqual([]);
  });
});

describe('diversify', () => {
  it('admits at most perDoc chunks of one article while others have candidates', () => {
    const hits = fuse(
      [0, 1, 2, 3, 4].map((label, i) => ({ label, score: 10 - i })),
      [],
      (l) => chunks.get(l),
    );
    const out = diversify(hits, 4, 2).map((h) => h.chunk.docId);
    expect(out).toEqual(['a', 'a', 'd3', 'd4']);
  });
  it('keeps overflow chunks after the others instead of dropping them', () => {
    const hits = fuse([0, 1, 2].map((label, i) => ({ label, score: 10 - i })), [], (l) => chunks.get(l));
    expect(diversify(hits, 5, 1).map((h) => h.chunk.id)).toEqual(['a#0.0', 'a#0.1', 'a#0.2']);
  });
});
