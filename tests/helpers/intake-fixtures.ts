/**
 * FIXTURE texts for the intake tests, written for them (not real articles): a wire story, the
 * same story republished by another outlet (other intro, a sentence dropped and one added,
 * site chrome around it), an unrelated story, and small HTML pages and a feed around them.
 */

/** A wire story as a channel would post it: headline on the first line. */
export const WIRE_POST = [
  'افتتاح محطة لتحلية مياه البحر في مدينة صور الساحلية',
  'افتتح وزير الطاقة والمياه اللبناني صباح الثلاثاء محطة جديدة لتحلية مياه البحر في مدينة صور الساحلية جنوب لبنان، بتمويل من الاتحاد الأوروبي بلغ 18 مليون يورو.',
  'وقال الوزير في كلمة خلال حفل الافتتاح إن المحطة ستنتج 12 ألف متر مكعب من المياه العذبة يوميا، وهو ما يكفي لتزويد نحو 60 ألف نسمة بمياه الشرب.',
  'وأضاف أن العمل في المشروع استمر ثلاث سنوات، وأن المحطة تعمل بالطاقة الشمسية خلال ساعات النهار لتخفيض كلفة التشغيل.',
  'من جهته، قال سفير الاتحاد الأوروبي لدى لبنان إن المشروع جزء من برنامج أوسع لدعم قطاع المياه في البلاد، مشيرا إلى أن محطتين مماثلتين ستفتتحان في طرابلس وصيدا العام المقبل.',
  'وتعاني المدن الساحلية اللبنانية من شح في المياه خلال أشهر الصيف بسبب تراجع منسوب الآبار الجوفية وتسرب مياه البحر إليها.',
].join('\n');

/** The same wire story republished by another outlet: chrome, a new intro, one sentence fewer, one more. */
export const WIRE_REPUBLISHED = [
  'لبنان: محطة تحلية جديدة في صور تنتج 12 ألف متر مكعب يوميا',
  'بيروت - وكالات',
  'افتتح وزير الطاقة والمياه اللبناني اليوم الثلاثاء محطة جديدة لتحلية مياه البحر في مدينة صور الساحلية جنوب لبنان، بتمويل من الاتحاد الأوروبي بلغ 18 مليون يورو.',
  'وقال الوزير في كلمة خلال حفل الافتتاح إن المحطة ستنتج 12 ألف متر مكعب من المياه العذبة يوميا، وهو ما يكفي لتزويد نحو 60 ألف نسمة بمياه الشرب.',
  'وأضاف أن العمل في المشروع استمر ثلاث سنوات، وأن المحطة تعمل بالطاقة الشمسية خلال ساعات النهار لتخفيض كلفة التشغيل.',
  'من جهته، قال سفير الاتحاد الأوروبي لدى لبنان إن المشروع جزء من برنامج أوسع لدعم قطاع المياه في البلاد، مشيرا إلى أن محطتين مماثلتين ستفتتحان في طرابلس وصيدا العام المقبل.',
  'ولم يصدر أي تعليق من بلدية صور حتى الآن.',
].join('\n');

/** An unrelated story. */
export const OTHER_POST = [
  'مهرجان للكتاب في عمّان يستقبل 300 دار نشر عربية',
  'انطلقت مساء الأربعاء في العاصمة الأردنية عمّان فعاليات الدورة الحادية والعشرين لمعرض الكتاب بمشاركة 300 دار نشر من 20 دولة عربية وأجنبية.',
  'وقالت إدارة المعرض إن الدورة الحالية تخصص جناحا لكتب الأطفال وآخر للكتب المترجمة، وتستمر عشرة أيام.',
  'ويتضمن البرنامج الثقافي المرافق ندوات وأمسيات شعرية وتوقيع كتب لأكثر من خمسين كاتبا.',
].join('\n');

/** An edited version of {@link OTHER_POST} (a figure corrected). */
export const OTHER_POST_EDITED = OTHER_POST.replace('300 دار نشر من 20 دولة', '350 دار نشر من 22 دولة').replace(
  'مهرجان للكتاب في عمّان يستقبل 300 دار نشر عربية',
  'مهرجان للكتاب في عمّان يستقبل 350 دار نشر عربية',
);

/** A news page around a story's paragraphs, with JSON-LD and OpenGraph metadata. */
export function newsPage(options: { title: string; outlet: string; date: string; paragraphs: string[]; charset?: string }): string {
  const ld = JSON.stringify({
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: options.title,
    datePublished: `${options.date}T09:30:00+03:00`,
    publisher: { '@type': 'Organization', name: options.outlet },
  });
  return `<!doctype html>
<html lang="ar" dir="rtl"><head>
<meta charset="${options.charset ?? 'utf-8'}">
<title>${options.title} | ${options.outlet}</title>
<meta property="og:title" content="${options.title}">
<meta property="og:site_name" content="${options.outlet}">
<meta property="article:published_time" content="${options.date}T09:30:00+03:00">
<script type="application/ld+json">${ld}</script>
<script>document.write('never run');</script>
</head><body>
<header><nav><a href="/">الرئيسية</a> <a href="/sport">رياضة</a> <a href="/eco">اقتصاد</a></nav></header>
<main><article>
<h1>${options.title}</h1>
<time datetime="${options.date}">${options.date}</time>
${options.paragraphs.map((p) => `<p>${p}</p>`).join('\n')}
</article></main>
<aside><h3>الأكثر قراءة</h3><ul><li><a href="/a">خبر آخر</a></li><li><a href="/b">خبر ثالث</a></li></ul></aside>
<footer>جميع الحقوق محفوظة © ${options.outlet}</footer>
</body></html>`;
}

/** Lines after the first (the body of a post whose first line is its headline). */
export function bodyOf(post: string): string[] {
  return post.split('\n').slice(1);
}

/** An RSS 2.0 feed of items. */
export function rssFeed(title: string, items: Array<{ guid: string; link: string; title: string; date: string; content?: string }>): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>${title}</title><link>http://127.0.0.1/</link><description>fixture feed</description>
${items
  .map(
    (i) => `<item><guid>${i.guid}</guid><link>${i.link}</link><title>${i.title}</title><pubDate>${new Date(i.date).toUTCString()}</pubDate>${
      i.content ? `<content:encoded><![CDATA[${i.content}]]></content:encoded>` : ''
    }</item>`,
  )
  .join('\n')}
</channel></rss>`;
}
