/**
 * Duplicate detection for intake (src/intake/dedup.ts). Real text: the corpus articles
 * (corpus/*.txt, five different stories on one subject, Russia and China) and the five
 * paragraphs of one XQuAD-ar article (tests/fixtures/dedup/xquad-ar-one-article.json, copied
 * unchanged, CC BY-SA 4.0, provenance in the file). The republications below are edits written
 * for these tests, the kind an outlet makes to a wire story.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IntakeError } from '../src/errors.js';
import { parseArticle } from '../src/ingest/articles.js';
import {
  canonicalUrl,
  minhash,
  NEAR_DUPLICATE_THRESHOLD,
  NearDuplicates,
  SIGNATURE_LENGTH,
  similarity,
  textKey,
} from '../src/intake/dedup.js';
import { splitSentences } from '../src/text/arabic.js';

const CORPUS = new URL('../corpus/', import.meta.url);
const FILES = readdirSync(CORPUS).filter((f) => f.endsWith('.txt')).sort();
/** Body paragraphs of a corpus article, as intake would pass them (no headline, no chrome). */
function bodyOf(id: string): string[] {
  const a = parseArticle({ id, raw: readFileSync(new URL(id, CORPUS), 'utf8') });
  return a.sections[0]!.paragraphs.filter((p) => !p.heading).map((p) => p.text);
}
const XQUAD: string[] = JSON.parse(readFileSync(new URL('./fixtures/dedup/xquad-ar-one-article.json', import.meta.url), 'utf8')).paragraphs;

/**
 * Another outlet's copy of a wire story: its own chrome, a new intro sentence, the second
 * paragraph dropped, a sentence reworded, two paragraphs swapped, a background line appended.
 */
function republish(paragraphs: string[]): string {
  const ps = [...paragraphs];
  const first = splitSentences(ps[0]!).map((s) => s.text);
  first[0] = 'موسكو - (رويترز) - أفادت مصادر رسمية اليوم بأن اللقاء جرى في أجواء وصفت بالإيجابية.';
  ps[0] = first.join(' ');
  ps.splice(1, 1);
  ps[2] = ps[2]!.replace(/قال/g, 'أكد').replace(/ في /, ' خلال ');
  [ps[3], ps[4]] = [ps[4]!, ps[3]!];
  return ['شارك المقال', 'تابعونا على تلغرام', ...ps, 'وكانت العلاقات بين البلدين قد شهدت تقاربا ملحوظا في السنوات الأخيرة.', 'الأكثر قراءة'].join('\n');
}

describe('canonicalUrl', () => {
  it('folds the spellings of one address', () => {
    const same = [
      'https://www.Example.COM/news/2025/11/03/story/?utm_source=telegram&utm_medium=social#comments',
      'https://example.com:443/news/2025/11/03/story?fbclid=IwAR0abc',
      'https://m.example.com/news/2025/11/03/story/amp/',
      'https://amp.example.com/news/2025/11/03/story?amp=1&gclid=x',
      'https://example.com/news/2025/11/03/story?outputType=amp',
      'https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/2025/11/03/story/amp',
      '  https://example.com/news/2025/11/03/story  ',
    ];
    for (const url of same) expect(canonicalUrl(url), url).toBe('https://example.com/news/2025/11/03/story');
  });

  it('keeps what names a different page, and sorts the query', () => {
    expect(canonicalUrl('https://example.com/article.php?b=2&id=164913&utm_campaign=x')).toBe('https://example.com/article.php?b=2&id=164913');
    expect(canonicalUrl('https://example.com/article.php?id=164913&b=2')).toBe(canonicalUrl('https://example.com/article.php?b=2&id=164913'));
    expect(canonicalUrl('https://example.com/a?id=1')).not.toBe(canonicalUrl('https://example.com/a?id=2'));
    expect(canonicalUrl('https://example.com/sport/champ')).toBe('https://example.com/sport/champ');
    expect(canonicalUrl('https://example.com/')).toBe('https://example.com/');
    expect(canonicalUrl('http://example.com/a')).toBe('http://example.com/a'); // an http-only site stays fetchable
    expect(canonicalUrl('https://www.co.uk/a')).toBe('https://www.co.uk/a'); // nothing registrable would be left
    expect(canonicalUrl('https://www.bbc.co.uk/arabic/a')).toBe('https://bbc.co.uk/arabic/a');
    expect(canonicalUrl('https://m.ahram.org.eg/News/1.aspx')).toBe('https://ahram.org.eg/News/1.aspx');
    expect(canonicalUrl('https://news.example.com/a')).not.toBe(canonicalUrl('https://example.com/a'));
  });

  it('gives an Arabic path one spelling, raw or percent-encoded in either case', () => {
    const raw = 'https://www.youm7.com/story/2020/9/23/وزير-الرى';
    const upper = 'https://youm7.com/story/2020/9/23/%D9%88%D8%B2%D9%8A%D8%B1-%D8%A7%D9%84%D8%B1%D9%89';
    expect(canonicalUrl(raw)).toBe(upper);
    expect(canonicalUrl(upper.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()))).toBe(upper);
  });

  it('refuses what is not a web address, naming it', () => {
    expect(() => canonicalUrl('example.com/news')).toThrow(IntakeError);
    expect(() => canonicalUrl('ftp://example.com/file.txt')).toThrow(/ftp:\/\/example\.com\/file\.txt/);
    expect(() => canonicalUrl('javascript:alert(1)')).toThrow(IntakeError);
  });
});

describe('textKey', () => {
  const text = bodyOf(FILES[0]!).join('\n');

  it('is the same for the same words, whatever the spacing, punctuation, diacritics or alef forms', () => {
    const respaced = text.replace(/\n/g, '\n\n  ').replace(/ /g, '  ').replace(/،/g, ' ، ').replace(/\./g, ' .');
    expect(textKey(respaced)).toBe(textKey(text));
    expect(textKey('أعلنَ الرئيسُ، اليوم: «الاتفاق»!')).toBe(textKey('اعلن الرئيس اليوم الاتفاق'));
  });

  it('differs when a word differs', () => {
    expect(textKey(text.replace('موسكو', 'بكين'))).not.toBe(textKey(text));
    expect(textKey(text)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('minhash and similarity', () => {
  it('gives a fixed-length signature, the same for the same text; identical texts score 1', () => {
    const text = bodyOf(FILES[1]!).join('\n');
    const sig = minhash(text);
    expect(sig).toHaveLength(SIGNATURE_LENGTH);
    expect(minhash(text)).toEqual(sig);
    expect(similarity(sig, minhash(text.replace(/\n/g, ' ')))).toBe(1);
  });

  it('scores every corpus article’s republication at or above the threshold', () => {
    for (const id of FILES) {
      const original = bodyOf(id);
      expect(original.length, id).toBeGreaterThanOrEqual(5);
      const s = similarity(minhash(original.join('\n')), minhash(republish(original)));
      expect(s, id).toBeGreaterThanOrEqual(NEAR_DUPLICATE_THRESHOLD);
      expect(s, id).toBeLessThan(1); // the edits changed something
    }
  });

  it('scores different stories on the same subject below the threshold', () => {
    const corpus = FILES.map((id) => minhash(bodyOf(id).join('\n')));
    for (let i = 0; i < corpus.length; i++) {
      for (let j = i + 1; j < corpus.length; j++) expect(similarity(corpus[i]!, corpus[j]!), `${FILES[i]} × ${FILES[j]}`).toBeLessThan(NEAR_DUPLICATE_THRESHOLD);
    }
    const paragraphs = XQUAD.map(minhash);
    for (let i = 0; i < paragraphs.length; i++) {
      for (let j = i + 1; j < paragraphs.length; j++) expect(similarity(paragraphs[i]!, paragraphs[j]!)).toBeLessThan(NEAR_DUPLICATE_THRESHOLD);
    }
  });

  it('does not take a follow-up quoting a sentence of the first report for a copy of it', () => {
    const first = bodyOf(FILES[0]!);
    const quoted = splitSentences(first[2]!)[0]!.text;
    const followUp = [...bodyOf(FILES[3]!), `وكان ${quoted}`].join('\n');
    expect(similarity(minhash(first.join('\n')), minhash(followUp))).toBeLessThan(NEAR_DUPLICATE_THRESHOLD);
  });

  it('gives a text without words a signature that matches nothing', () => {
    const empty = minhash(' ... ، ! ');
    expect(similarity(empty, empty)).toBe(0);
    expect(similarity(empty, minhash('نص قصير'))).toBe(0);
  });
});

describe('NearDuplicates', () => {
  const originals = FILES.map((id) => ({ id, body: bodyOf(id) }));
  const filled = () => {
    const index = new NearDuplicates();
    for (const o of originals) index.add(o.id, minhash(o.body.join('\n')));
    XQUAD.forEach((p, i) => index.add(`xquad-${i}`, minhash(p)));
    return index;
  };

  it('finds the original of each republication, and nothing for a different story', () => {
    const index = filled();
    expect(index.size).toBe(originals.length + XQUAD.length);
    for (const o of originals) {
      const match = index.find(minhash(republish(o.body)));
      expect(match?.id, o.id).toBe(o.id);
      expect(match!.similarity).toBeGreaterThanOrEqual(NEAR_DUPLICATE_THRESHOLD);
    }
    const followUp = [...bodyOf(FILES[3]!).slice(0, 3), splitSentences(bodyOf(FILES[0]!)[2]!)[0]!.text].join('\n');
    expect(index.find(minhash(followUp))?.id).not.toBe(FILES[0]);
    expect(index.find(minhash('خبر لا علاقة له بأي مقال مخزن عن الطقس في المدينة اليوم وأمس وغدا.'))).toBeNull();
    expect(index.find(minhash(''))).toBeNull();
  });

  it('honours a threshold given to find', () => {
    const index = filled();
    const sig = minhash(republish(originals[0]!.body));
    const s = index.find(sig)!.similarity;
    expect(index.find(sig, s)?.id).toBe(originals[0]!.id);
    expect(index.find(sig, s + 1 / SIGNATURE_LENGTH)).toBeNull();
  });

  it('forgets a removed article and replaces a re-added one', () => {
    const index = filled();
    const target = originals[2]!;
    const sig = minhash(republish(target.body));
    index.remove(target.id);
    expect(index.has(target.id)).toBe(false);
    expect(index.find(sig)?.id).not.toBe(target.id);
    index.remove('never-added.txt');
    index.add('renamed.txt', minhash(target.body.join('\n')));
    expect(index.find(sig)?.id).toBe('renamed.txt');
    index.add('renamed.txt', minhash(XQUAD[0]!)); // the file changed: its old text is gone
    expect(index.find(sig)).toBeNull();
    expect(index.size).toBe(originals.length + XQUAD.length);
  });

  it('saves and reads back through JSON to the same answers', () => {
    const index = filled();
    const back = NearDuplicates.fromJSON(JSON.parse(JSON.stringify(index)));
    expect(back.size).toBe(index.size);
    for (const o of originals) expect(back.find(minhash(republish(o.body)))).toEqual(index.find(minhash(republish(o.body))));
  });

  it('refuses damaged saves and signatures of the wrong length, saying what to do', () => {
    expect(() => NearDuplicates.fromJSON({ version: 2, entries: [] })).toThrow(/delete the file/);
    expect(() => NearDuplicates.fromJSON({ version: 1, signatureLength: 64, entries: [] })).toThrow(IntakeError);
    expect(() => NearDuplicates.fromJSON({ version: 1, signatureLength: SIGNATURE_LENGTH, entries: [['a.txt', 'AAAA']] })).toThrow(/damaged/);
    expect(() => new NearDuplicates().add('a.txt', new Uint32Array(8))).toThrow(/minhash/);
  });
});
