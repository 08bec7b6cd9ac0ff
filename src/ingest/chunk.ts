/**
 * Sentence-aware chunking. A chunk is a run of consecutive sentences of one section, at most
 * `maxTokens` long (as the embedding model counts tokens), and repeats the previous chunk's last
 * sentence so that a fact spanning a boundary is still whole in one chunk.
 *
 * Sub-heading paragraphs are not quoted, so they are not sentences of a chunk; they stay
 * searchable through {@link Chunk.heading}.
 */
import { splitSentences } from '../text/arabic.js';
import type { Article, Chunk, Sentence } from '../types.js';

/** Bump when chunk boundaries would change for the same input: forces a rebuild of the index. */
export const CHUNKER_VERSION = 1;


export interface ChunkOptions {
  /** Upper bound of a chunk's length in model tokens (a single longer sentence stays whole). */
  maxTokens: number;
  /** Sentences repeated from the end of the previous chunk. */
  overlapSentences: number;
  /** Token counter; default estimates from words (1.75 tokens a word for mE5 on Arabic news). */
  countTokens?: (text: string) => number;
}

/**
 * 300 model tokens is about 170 Arabic words: a few paragraphs of a news story, short enough that
 * a chunk is about one thing and a cited passage stays readable, and within mE5's 512. Measured
 * on ARCD-train (scripts/tune.ts --grid): 300 beat 120 and 200 on R@1 and MRR@10 and matched 450.
 */
export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = { maxTokens: 300, overlapSentences: 1 };

/** Word-based estimate of mE5 tokens (measured on this corpus with the genuine tokenizer: 1.74/word). */
export function estimateTokens(text: string): number {
  const words = text.split(/\s+/).filter(Boolean).length;
  return Math.ceil(words * 1.75);
}

/** The parameters that define chunk boundaries, recorded in the index manifest. */
export function chunkerSignature(options: ChunkOptions): string {
  return `v${CHUNKER_VERSION}:max${options.maxTokens}:overlap${options.overlapSentences}`;
}

/** Splits an article into chunks, section by section. */
export function chunkArticle(article: Article, options: ChunkOptions = DEFAULT_CHUNK_OPTIONS): Chunk[] {
  const count = options.countTokens ?? estimateTokens;
  const chunks: Chunk[] = [];
  for (const section of article.sections) {
    const units: Array<{ sentence: Sentence; tokens: number; heading: string | null }> = [];
    let heading: string | null = null;
    for (const paragraph of section.paragraphs) {
      if (paragraph.heading) {
        heading = paragraph.text;
        continue;
      }
      for (const sentence of splitSentences(paragraph.text, paragraph.start)) {
        units.push({ sentence, tokens: count(sentence.text), heading });
      }
    }
    let ordinal = 0;
    let i = 0;
    while (i < units.length) {
      let j = i;
      let tokens = 0;
      while (j < units.length && (j === i || tokens + units[j]!.tokens <= options.maxTokens)) {
        tokens += units[j]!.tokens;
        j++;
      }
      const sentences = units.slice(i, j).map((u) => u.sentence);
      chunks.push({
        id: `${article.id}#${section.index}.${ordinal}`,
        docId: article.id,
        section: section.index,
        sectionKind: section.kind,
        title: section.title,
        outlet: section.outlet,
        agency: section.agency,
        date: section.date,
        heading: units[i]!.heading,
        text: sentences.map((s) => s.text).join(' '),
        start: sentences[0]!.start,
        end: sentences[sentences.length - 1]!.end,
        sentences,
        ordinal: ordinal++,
      });
      if (j >= units.length) break;
      // Step back for overlap, but always move forward by at least one sentence.
      i = Math.max(i + 1, j - options.overlapSentences);
    }
  }
  return chunks;
}

const MONTHS_AR = ['يناير', 'فبراير', 'مارس', 'أبريل', 'مايو', 'يونيو', 'يوليو', 'أغسطس', 'سبتمبر', 'أكتوبر', 'نوفمبر', 'ديسمبر'];
const MONTHS_LEVANT = ['كانون الثاني', 'شباط', 'آذار', 'نيسان', 'أيار', 'حزيران', 'تموز', 'آب', 'أيلول', 'تشرين الأول', 'تشرين الثاني', 'كانون الأول'];
const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Words every article's source line stands for («مصدر الخبر», «تاريخ النشر»): indexed with
 * every chunk, so they occur everywhere and weigh nothing in a question such as «ما مصدر خبر
 * لقاء شي وبوتين؟», instead of counting as words the articles lack.
 */
const METADATA_LABELS = 'المصدر الخبر نشر تاريخ مقال تقرير source news report article published date';

/** Searchable words for a chunk's source metadata: labels, outlet, agency, year and month names. */
export function metadataText(chunk: Pick<Chunk, 'outlet' | 'agency' | 'date'>): string {
  const parts = [METADATA_LABELS, chunk.outlet, chunk.agency];
  const m = chunk.date?.match(/^(\d{4})-(\d{2})/);
  if (m) {
    const month = Number(m[2]) - 1;
    parts.push(m[1]!, MONTHS_AR[month]!, MONTHS_LEVANT[month]!, MONTHS_EN[month]!);
  }
  return parts.filter(Boolean).join(' ');
}
