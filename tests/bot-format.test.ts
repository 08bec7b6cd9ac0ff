import { describe, expect, it } from 'vitest';
import {
  answerFromSource,
  escapeHtml,
  htmlToPlain,
  MESSAGE_LIMIT,
  renderAnswer,
  renderAnswerPlain,
  renderPassage,
  shortenAnswer,
  splitMessage,
  truncate,
} from '../src/bot/format.js';
import { assertBalanced } from './helpers/bot-harness.js';
import { makeAnswer, makeChunk } from './helpers/fake-engine.js';

/** Removes every `</x><x …>` pair (a tag closed and reopened at the same place), repeatedly. */
function normalizeReopened(html: string): string {
  let prev: string;
  let out = html;
  do {
    prev = out;
    out = out.replace(/<\/([a-zA-Z][a-zA-Z0-9-]*)><\1(?:\s[^>]*)?>/g, '');
  } while (out !== prev);
  return out;
}

function assertValidSplit(html: string, parts: string[], limit = MESSAGE_LIMIT): void {
  expect(parts.length).toBeGreaterThan(0);
  for (const part of parts) {
    expect(part.length).toBeLessThanOrEqual(limit);
    expect(htmlToPlain(part).trim().length).toBeGreaterThan(0);
    assertBalanced(part);
    expect(part).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  }
  // Nothing lost: the visible text is the same, and so is the markup once the tags closed and
  // reopened at part boundaries are taken out.
  expect(htmlToPlain(parts.join(''))).toBe(htmlToPlain(html));
  expect(normalizeReopened(parts.join(''))).toBe(normalizeReopened(html));
}

const hostile = '<script>alert("x")</script> & </b><i>';

describe('escapeHtml / htmlToPlain', () => {
  it('escapes the characters Telegram HTML treats specially and round-trips', () => {
    expect(escapeHtml('a < b && c > "d"')).toBe('a &lt; b &amp;&amp; c &gt; &quot;d&quot;');
    expect(htmlToPlain(`<b>${escapeHtml(hostile)}</b>`)).toBe(hostile);
    expect(htmlToPlain('&#1575;&#x627;&lt;')).toBe('اا<');
  });

  it('truncates on whole code points', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('  short  ', 10)).toBe('short');
  });
});

describe('renderAnswer', () => {
  const chunks = [
    makeChunk({ id: 'x.txt#0.0', title: hostile, outlet: 'Out<let>', date: '2025-01-02', text: `Passage with ${hostile} inside.` }),
    makeChunk({ id: 'y.txt#1.0', title: null, outlet: null, date: null, sectionKind: 'related', text: 'Second passage.' }),
  ];
  const answer = makeAnswer(`What about ${hostile}?`, chunks);

  it('escapes every dynamic string and keeps inline [n] markers and a sources block', () => {
    const html = renderAnswer(answer, 'en', { showQuestion: true });
    assertBalanced(html);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;/b&gt;&lt;i&gt;');
    expect(html).toContain('[1]');
    expect(html).toContain('[2]');
    expect(html).toContain('<b>Sources:</b>');
    expect(html).toContain('Out&lt;let&gt;');
    expect(html).toContain('2025-01-02');
    // An untitled source is named by its opening words (issue 14), never by its file name.
    expect(html).toContain('«Second passage.»');
    expect(html).not.toContain('y.txt');
    expect(html).toContain('undated');
    expect(html).toContain('related story');
    const dated = makeAnswer('q', [chunks[0]!, { ...chunks[1]!, date: '2025-03-04' }]);
    expect(renderAnswer(dated, 'en')).toContain('The most recent of these reports is [2], dated 2025-03-04');
  });

  it('renders Arabic labels for Arabic answers', () => {
    const html = renderAnswer(makeAnswer('ماذا حدث؟', chunks), 'ar');
    expect(html).toContain('المصادر');
    expect(html).toContain('غير مؤرخ');
  });

  it('renders the same content as plain text for the console', () => {
    const plain = renderAnswerPlain(answer, 'en');
    expect(plain).toContain(hostile);
    expect(plain).not.toMatch(/<b>|&lt;/);
    expect(plain).toBe(htmlToPlain(renderAnswer(answer, 'en')));
  });

  it('lists the closest articles on a refusal', () => {
    const refusal = makeAnswer('?', [], { closest: [{ file: 'z.txt', title: '<Near>', date: '2025-02-03' }] });
    const html = renderAnswer(refusal, 'en');
    assertBalanced(html);
    expect(html).toContain('Closest articles');
    expect(html).toContain('&lt;Near&gt;');
  });

  it('says which countries no article mentions on a refusal, escaped', () => {
    const refusal = makeAnswer('?', [], { answered: false, unmentioned: ['<Brazil>', 'Chile'] });
    const html = renderAnswer(refusal, 'en');
    assertBalanced(html);
    expect(html).toContain('None of the articles mentions &lt;Brazil&gt;, Chile.');
    expect(renderAnswer(makeAnswer('?', [], { answered: false }), 'en')).not.toContain('None of the articles');
  });

  it('renders a passage with headline, outlet and date, escaped', () => {
    const html = renderPassage([chunks[0]!], 1, 'en');
    assertBalanced(html);
    expect(html).toContain('Source [1]');
    expect(html).toContain('Passage with &lt;script&gt;');
    expect(html).toContain('Out&lt;let&gt;');
    expect(html).toContain('2025-01-02');
  });

  it('shortens answers and builds one-source answers', () => {
    const short = shortenAnswer(answer, 1);
    expect(short.quotes).toHaveLength(1);
    expect(short.citations.map((c) => c.n)).toEqual([1]);
    const one = answerFromSource(answer, 2)!;
    expect(one.citations).toHaveLength(1);
    expect(one.citations[0]!.n).toBe(1);
    expect(one.answer).toBe('Second passage. [1]');
    expect(answerFromSource(answer, 9)).toBeNull();
  });
});

describe('splitMessage', () => {
  it('returns short messages unchanged and nothing for empty ones', () => {
    expect(splitMessage('<b>hi</b>')).toEqual(['<b>hi</b>']);
    expect(splitMessage('')).toEqual([]);
  });

  it('splits a 10,000-character answer into valid parts at sentence or line boundaries', () => {
    const sentence = (i: number) => `هذه هي الجملة رقم ${i} من نص طويل جدًا تتحدث عن <العلاقات> بين "البلدين" & ما تلاها.`;
    const chunks = Array.from({ length: 12 }, (_, k) =>
      makeChunk({ id: `f${k}.txt#0.0`, title: `عنوان <${k}>`, text: Array.from({ length: 12 }, (_, i) => sentence(k * 12 + i)).join(' ') }),
    );
    const answer = makeAnswer('سؤال', chunks);
    const html = renderAnswer(answer, 'ar');
    expect(html.length).toBeGreaterThan(10_000);
    const parts = splitMessage(html);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    assertValidSplit(html, parts);
    for (const part of parts.slice(0, -1)) {
      // Each break falls after a line end or a sentence end, not mid-sentence.
      expect(htmlToPlain(part)).toMatch(/(\n|[.!?؟]\s?|\]\s?)$/);
    }
  });

  it('closes and reopens tags open at a break, attributes included', () => {
    const html = `<b>${'bold words here. '.repeat(30)}</b><a href="https://example.org/?a=1&amp;b=2">${'link text. '.repeat(30)}</a>`;
    const parts = splitMessage(html, 120);
    assertValidSplit(html, parts, 120);
    expect(parts.some((p) => p.startsWith('<a href="https://example.org/?a=1&amp;b=2">'))).toBe(true);
    expect(parts.filter((p) => p.startsWith('<b>')).length).toBeGreaterThan(1);
  });

  it('handles nested tags across breaks', () => {
    const html = `<blockquote><b>${'nested text. '.repeat(40)}<i>${'deeper. '.repeat(40)}</i></b></blockquote> tail`;
    const parts = splitMessage(html, 150);
    assertValidSplit(html, parts, 150);
  });

  it('never cuts an entity or a surrogate pair, even without any space', () => {
    const entities = '&lt;&amp;&gt;&quot;'.repeat(500);
    assertValidSplit(entities, splitMessage(entities, 101), 101);
    const emoji = '😀'.repeat(3000);
    assertValidSplit(emoji, splitMessage(emoji), MESSAGE_LIMIT);
  });

  it('prefers line breaks over spaces', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i} with some words in it`).join('\n');
    const parts = splitMessage(lines, 200);
    assertValidSplit(lines, parts, 200);
    for (const part of parts.slice(0, -1)) expect(part.endsWith('\n')).toBe(true);
  });
});

describe('generated answers and untitled sources (issue 14)', () => {
  it('sourceTitle: the headline; without one, outlet and opening words within the width; never a file name', async () => {
    const { sourceTitle } = await import('../src/bot/format.js');
    expect(sourceTitle({ title: 'عنوان', outlet: 'الديار', opening: 'نص' }, 'ar', 40)).toBe('عنوان');
    const named = sourceTitle({ title: null, outlet: 'الديار', opening: 'أكد وزير الخارجية الصيني وانغ يي بحضور نظيره الروسي سيرغي لافروف' }, 'ar', 40);
    expect(named.startsWith('الديار: أكد وزير الخارجية')).toBe(true);
    expect(named.length).toBeLessThanOrEqual(40);
    expect(named.endsWith('…')).toBe(true);
    expect(sourceTitle({ title: '  ', outlet: null, opening: null }, 'en', 40)).toBe('(untitled)');
  });

  it('a generated answer renders its checked text (escaped, a sources block the engine appended cut) and the sources from the citations', () => {
    const chunks = [makeChunk({ id: 'x.txt#0.0', title: hostile, text: 'A passage.' })];
    const generated = makeAnswer('q', chunks, {
      answerMode: 'generative',
      answer: `Checked ${hostile} claim [1].\n\nSources:\n[1] stale line from the engine`,
      quotes: [],
    });
    const html = renderAnswer(generated, 'en');
    assertBalanced(html);
    expect(html).toContain(`Checked ${escapeHtml(hostile)} claim [1].`);
    expect(html).not.toContain('stale line');
    expect(html.split('<b>Sources:</b>')).toHaveLength(2);
  });

  it('renderPassage with support: the sentences first under a heading, then in bold in the passage, escaped', () => {
    const a = 'First <sentence> & more.';
    const b = 'Second sentence.';
    const chunk = makeChunk({ id: 'x.txt#0.0', title: null, outlet: 'Out', date: null, text: `${a} ${b}`, sentences: [{ text: a, start: 0, end: a.length }, { text: b, start: a.length + 1, end: a.length + 1 + b.length }] });
    const html = renderPassage([chunk], 1, 'en', { support: [a] });
    assertBalanced(html);
    expect(html.indexOf('What the answer relies on')).toBeLessThan(html.indexOf(`<b>${escapeHtml(a)}</b>`));
    expect(html).toContain(`<blockquote><b>${escapeHtml(a)}</b> ${escapeHtml(b)}</blockquote>`);
    // Its own first sentence names the untitled story.
    expect(html).toContain(`<b>«${escapeHtml(a)}»</b>`);
    expect(renderPassage([chunk], 1, 'en')).not.toContain('What the answer relies on');
  });
});

describe('sources with an address and other outlets', () => {
  const chunk = makeChunk({ id: 'wire.txt#0.0', text: 'بلغ محصول القمح ثلاثة ملايين طن.', title: 'محصول قياسي من القمح', outlet: 'رويترز', date: '2025-03-05' });
  const base = makeAnswer('كم بلغ محصول القمح؟', [chunk]);
  const answer = {
    ...base,
    citations: [
      {
        ...base.citations[0]!,
        url: 'https://example.org/wheat?a=1&b="2"',
        alsoPublishedBy: [
          { file: 'b.txt', outlet: 'الوطن <عاجل>', date: '2025-03-06', url: 'https://example.net/news/1' },
          { file: 'c.txt', outlet: 'الرأي', date: null, url: 'javascript:alert(1)' },
        ],
      },
    ],
  };

  it('links the source line to its page, lists the other outlets (linked when safe), every string escaped', () => {
    const html = renderAnswer(answer, 'ar');
    assertBalanced(html);
    expect(html).toContain('<a href="https://example.org/wheat?a=1&amp;b=%222%22">الرابط</a>');
    expect(html).toContain('نُشر أيضًا في <a href="https://example.net/news/1">الوطن &lt;عاجل&gt; 2025-03-06</a>، الرأي');
    expect(html).not.toContain('javascript:');
    const en = renderAnswer(answer, 'en');
    expect(en).toMatch(/also published by <a [^>]+>الوطن &lt;عاجل&gt; 2025-03-06<\/a>, الرأي/);
  });

  it('gives the address in plain text for the console and the plain-text fallback', () => {
    expect(renderAnswerPlain(answer, 'ar')).toContain('الرابط (https://example.org/wheat?a=1&b=%222%22)');
    expect(renderAnswerPlain({ ...base }, 'ar')).not.toContain('الرابط');
  });
});
