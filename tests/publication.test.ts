/**
 * Citations of articles that came from the web or a public channel carry their address, and a
 * wire story indexed once lists the other outlets that published it (src/publication.ts, wired
 * in the engine). The articles are fixture files written for this test, in the front-matter
 * format intake writes.
 */
import { describe, expect, it } from 'vitest';
import { createTestEngine } from './helpers/engine.js';

const BODY =
  'أعلنت وزارة الزراعة أن محصول القمح بلغ ثلاثة ملايين طن هذا الموسم، في زيادة كبيرة عن العام الماضي.\n' +
  'وقال وزير الزراعة إن الأسعار ستبقى مستقرة حتى نهاية العام، وإن الحكومة ستشتري المحصول من المزارعين.\n';

function file(fields: Record<string, string>, body: string): string {
  return `---\n${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('\n')}\n---\n${body}`;
}

describe('citations and where the story was published', () => {
  it('carry the article url, and the near-duplicates as «also published by»; the duplicate is not cited twice', async () => {
    const te = await createTestEngine({
      emptyCorpus: true,
      corpus: {
        'a.txt': file({ title: 'محصول قياسي من القمح', outlet: 'رويترز', date: '2025-03-05', url: 'https://example.org/wheat', source: 'link' }, BODY),
        'b.txt': file(
          { title: 'الزراعة: محصول القمح ثلاثة ملايين طن', outlet: 'الوطن', date: '2025-03-06', url: 'https://example.net/news/1', source: 'feed', 'duplicate-of': 'a.txt' },
          'عاجل\n' + BODY,
        ),
        'c.txt': 'افتتاح معرض الكتاب\nتاريخ النشر: 1 يناير 2026\nافتتح معرض الكتاب أبوابه أمس بمشاركة مئات الناشرين من عشرين دولة.\nويستمر المعرض أسبوعين حتى منتصف الشهر.\n',
      },
    });
    try {
      const answer = await te.engine.ask('كم بلغ محصول القمح هذا الموسم؟');
      expect(answer.answered).toBe(true);
      expect(answer.citations.map((c) => c.file)).toEqual(['a.txt']);
      expect(answer.citations[0]).toMatchObject({
        url: 'https://example.org/wheat',
        alsoPublishedBy: [{ file: 'b.txt', outlet: 'الوطن', date: '2025-03-06', url: 'https://example.net/news/1' }],
      });
      const book = await te.engine.ask('كم دولة تشارك في معرض الكتاب؟');
      expect(book.citations[0]).toMatchObject({ file: 'c.txt', url: null, alsoPublishedBy: [] });
    } finally {
      await te.cleanup();
    }
  });
});
