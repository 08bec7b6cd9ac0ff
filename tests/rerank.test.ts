import { describe, expect, it } from 'vitest';
import { LexicalIndex } from '../src/retrieve/lexical.js';
import { chunkGrams, DEFAULT_RERANK, gramBm25, gramCounts, GramStats, rerank, type RerankOptions } from '../src/retrieve/rerank.js';
import type { Chunk } from '../src/types.js';

const chunk = (label: number, text: string, title: string | null = null) =>
  ({ id: `d${label}#0.0`, docId: `d${label}`, title, heading: null, text }) as Chunk;

/** A small corpus indexed by the product's lexical index, and the reranker's inputs for a question. */
function setup(chunks: Chunk[], question: string) {
  const lexical = new LexicalIndex();
  chunks.forEach((c, label) => lexical.add(label, { text: c.text, title: c.title ?? undefined }));
  const units = lexical.expandQuery(lexical.analyze(question).map((term) => ({ term, weight: 1 })));
  const hits = lexical.search(LexicalIndex.flatten(units), 10);
  const stats = GramStats.fromChunks(chunks, chunks.length);
  const run = (options: RerankOptions = DEFAULT_RERANK) =>
    rerank({ texts: [{ text: question, weight: 1 }], units, hits, chunkOf: (l) => chunks[l], lexical, stats }, options);
  return { hits, run };
}

const filler = ['أعلنت الحكومة خطة جديدة للنقل العام في المدن الكبرى.', 'ارتفعت أسعار القمح في الأسواق العالمية هذا الشهر.', 'افتتح معرض للكتاب في العاصمة بمشاركة مئات الناشرين.'];

describe('rerank', () => {
  it('credits a spelling variant of a name that the word index cannot join', () => {
    // «روتشليد» for «روتشيلد»: no stem matches and the spellings are too far apart for the word
    // index's fuzzy matching; most of their trigrams agree.
    const chunks = [
      chunk(0, 'عائلة مالكة حكمت البلاد قرونا، وكانت العائلة الأغنى في أوروبا.'),
      chunk(1, 'آل روتشيلد عائلة مصرفية يهودية أسست بنوكا في أوروبا.'),
      ...filler.map((t, i) => chunk(i + 2, t)),
    ];
    const { hits, run } = setup(chunks, 'من هي عائلة روتشليد؟');
    expect(hits[0]!.label).toBe(0); // word BM25 alone prefers the chunk that repeats «عائلة»
    expect(run({ ...DEFAULT_RERANK, titleWeight: 0 })[0]!.label).toBe(1);
    expect(run({ ...DEFAULT_RERANK, gramWeight: 0, titleWeight: 0 })[0]!.label).toBe(0);
  });

  it('prefers the story whose headline names the subject over one that mentions it in passing', () => {
    const chunks = [
      chunk(0, 'ناقش الوزير ملف سوريا في العاصمة عمان، وقال إن سوريا تحتاج إلى دعم وإن عودة سوريا قريبة.', 'لقاء وزاري في عمان'),
      chunk(1, 'دمشق عاصمتها، وهي من أقدم المدن المأهولة في العالم ومن أكبر مدن المشرق وأكثرها سكانا، وتطل سوريا غربا على البحر المتوسط.', 'سوريا'),
      ...filler.map((t, i) => chunk(i + 2, t)),
    ];
    const { hits, run } = setup(chunks, 'ما هي عاصمة سوريا؟');
    expect(hits[0]!.label).toBe(0);
    expect(run({ ...DEFAULT_RERANK, gramWeight: 0 })[0]!.label).toBe(1);
  });

  it('only re-orders: the same hits with their BM25 scores', () => {
    const chunks = [chunk(0, 'الغاز الروسي إلى الصين'), chunk(1, 'خط أنابيب الغاز قوة سيبيريا', 'الغاز'), chunk(2, 'روسيا والصين والغاز والنفط')];
    const { hits, run } = setup(chunks, 'الغاز الروسي');
    const out = run();
    expect(out).toHaveLength(hits.length);
    expect([...out].sort((a, b) => a.label - b.label)).toEqual([...hits].sort((a, b) => a.label - b.label));
  });

  it('keeps the word-BM25 order when no candidate differs in trigrams or headline', () => {
    const chunks = [chunk(0, 'الغاز الغاز الغاز'), chunk(1, 'الغاز'), ...filler.map((t, i) => chunk(i + 2, t))];
    const { hits, run } = setup(chunks, 'الغاز');
    expect(run({ ...DEFAULT_RERANK, titleWeight: 0, gramWeight: 0 })).toEqual(hits);
  });
});

describe('chunk trigrams', () => {
  it('keeps every trigram of the chunk, headline included, sorted', () => {
    const c = chunk(0, 'الغاز الغاز الروسي', 'الصين');
    const grams = chunkGrams(c);
    const counts = gramCounts('الصين الغاز الغاز الروسي');
    expect(grams.length).toBe([...counts.values()].reduce((a, b) => a + b, 0));
    expect([...grams]).toEqual([...grams].sort((a, b) => a - b));
  });
});

describe('GramStats', () => {
  it('counts every chunk up to the sample size, then an even sample', () => {
    const chunks = Array.from({ length: 10 }, (_, i) => chunk(i, `نص رقم ${i} عن الغاز`));
    expect(GramStats.fromChunks(chunks, 10, 100).docs).toBe(10);
    expect(GramStats.fromChunks(chunks, 10, 4).docs).toBe(4); // every 3rd: 0, 3, 6, 9
  });
  it('gives rarer trigrams a higher IDF', () => {
    const chunks = [chunk(0, 'الغاز الروسي'), chunk(1, 'الغاز الصيني'), chunk(2, 'النفط')];
    const stats = GramStats.fromChunks(chunks, 3);
    const common = [...gramCounts('الغاز').keys()].at(-1); // «از_», in two chunks
    const rare = [...gramCounts('النفط').keys()].at(-1); // «فط_», in one
    expect(stats.idf(rare!)).toBeGreaterThan(stats.idf(common!));
  });
  it('pads words with boundary marks: a two-letter word is two trigrams, stopwords none', () => {
    expect([...gramCounts('صف').values()].reduce((a, b) => a + b, 0)).toBe(2);
    expect(gramCounts('في من على').size).toBe(0);
  });
});

describe('rerank from normalised sentences', () => {
  it('gives the order it gives from the chunk text, for chunks whose text is or is not their sentences joined', async () => {
    const { metadataText } = await import('../src/ingest/chunk.js');
    const { chunkText } = await import('../src/retrieve/chunk-text.js');
    const { corpusChunks } = await import('./helpers/engine.js');
    const real = await corpusChunks();
    // The same chunks with a text that is not their sentences joined (the reranker reads the text then).
    const odd = real.map((c) => ({ ...c, text: `${c.text}\n${c.sentences[0]?.text ?? ''} ١٣٫٨ CNN` }));
    const chunks = [...real, ...odd];
    expect(chunks.filter((c) => chunkText(c).joined)).toHaveLength(real.length);
    const lexical = new LexicalIndex();
    chunks.forEach((c, label) => lexical.add(label, { text: c.text, title: c.title, heading: c.heading, meta: metadataText(c) }));
    const stats = GramStats.fromChunks(chunks, chunks.length);
    let compared = 0;
    for (const question of ['من استقبل ميشوستين في الصين؟', 'كم بلغ حجم التجارة بين روسيا والصين؟', 'ما هي قوة سيبيريا', 'Putin Xi gas pipeline']) {
      const units = lexical.expandQuery(lexical.analyze(question).map((term) => ({ term, weight: 1 })));
      const hits = lexical.search(LexicalIndex.flatten(units), 30);
      const input = { texts: [{ text: question, weight: 1 }, { text: 'الغاز الروسي', weight: 0.35 }], units, hits, chunkOf: (l: number) => chunks[l], lexical, stats };
      for (const options of [DEFAULT_RERANK, { ...DEFAULT_RERANK, titleWeight: 0 }]) {
        expect(rerank({ ...input, text: chunkText }, options)).toEqual(rerank(input, options));
        compared++;
      }
    }
    expect(compared).toBe(8);
  });
});

describe('trigram scores', () => {
  it('are BM25 over each chunk’s sorted trigrams (chunkGrams), stopwords, dialect words and odd words included', async () => {
    const { chunkText } = await import('../src/retrieve/chunk-text.js');
    const texts = [
      'شو قال بوتين عن الغاز الروسي؟ constructor و a 13.8 مليار ١٣٫٨ 𝐀𝐁 الغاز',
      'الغاز الغاز في الصين، وهو من أكبر الأسواق. toString valueof',
      'قوة سيبيريا خط أنابيب الغاز الروسي إلى الصين منذ 2019.',
      'وين الغاز؟ هاد الخط الروسي كتير طويل، قديش طوله؟ مين',
      'أعلنت الحكومة خطة جديدة للنقل العام في المدن الكبرى.',
      'الروسيه الغازيه الصينيه ميشوستين بكين موسكو ﻻ ﺍﻟﺼﻴﻦ',
    ];
    const chunks: Chunk[] = texts.map((t, i) => ({
      ...chunk(i, t, i % 2 ? 'الغاز الروسي' : null),
      heading: i % 3 ? null : 'عن الغاز',
      sentences: t.split(' ').map((s, k) => ({ start: k, end: k + s.length, text: s })),
    }));
    const stats = GramStats.fromChunks(chunks, chunks.length);
    const question = [{ text: 'ماذا قال بوتين عن الغاز الروسي الى الصين؟ constructor', weight: 1 }, { text: 'وين خط الغاز', weight: 0.35 }];
    const query = new Map<number, number>();
    for (const { text, weight } of question) for (const g of gramCounts(text).keys()) query.set(g, Math.max(query.get(g) ?? 0, weight));
    const { k1, b } = DEFAULT_RERANK;
    const reference = chunks.map((c) => {
      const grams = [...chunkGrams(c)];
      const norm = k1 * (1 - b + (b * grams.length) / stats.averageLength);
      let s = 0;
      for (const [g, weight] of query) {
        const f = grams.filter((x) => x === g).length;
        if (f) s += (weight * stats.idf(g) * f * (k1 + 1)) / (f + norm);
      }
      return s;
    });
    expect(reference.filter((s) => s > 0).length).toBeGreaterThan(3);
    expect([...gramBm25(question, chunks, stats, DEFAULT_RERANK)]).toEqual(reference);
    expect(chunks.every((c) => chunkText(c).joined)).toBe(true);
    expect([...gramBm25(question, chunks, stats, DEFAULT_RERANK, chunkText)]).toEqual(reference);
    // From kept sorted trigrams (binary search), for some chunks or all: the same bits.
    expect([...gramBm25(question, chunks, stats, DEFAULT_RERANK, chunkText, chunkGrams)]).toEqual(reference);
    expect([...gramBm25(question, chunks, stats, DEFAULT_RERANK, chunkText, (c) => (Number(c.docId.slice(1)) % 2 ? chunkGrams(c) : undefined))]).toEqual(reference);
  });
});
