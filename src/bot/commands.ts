/**
 * /start, /help, /sources, /status and the admin-only /reindex; the command menus registered
 * with setMyCommands in Arabic (also the default) and English. Registering menus is not
 * essential: a failure is logged and ignored.
 */
import { Composer, type Api } from 'grammy';
import type { BotCommand } from 'grammy/types';
import type { Logger } from '../log.js';
import { redactSecrets } from '../log.js';
import { describeError } from '../errors.js';
import type { Lang } from '../types.js';
import type { BotContext } from './context.js';
import { articleMeta, escapeHtml, renderSourceLine } from './format.js';
import { pickLang, t } from './i18n.js';
import { sendHtml } from './send.js';

function menu(lang: Lang): BotCommand[] {
  const m = t(lang).menu;
  return [
    { command: 'ask', description: m.ask },
    { command: 'sources', description: m.sources },
    { command: 'status', description: m.status },
    { command: 'latest', description: m.latest },
    { command: 'add', description: m.add },
    { command: 'help', description: m.help },
    { command: 'start', description: m.start },
  ];
}

/** Registers the command menus (default and `ar`: Arabic; `en`: English). Never throws. */
export async function registerCommandMenus(api: Api, log: Logger): Promise<void> {
  const calls: Array<[Lang, 'ar' | 'en' | undefined]> = [['ar', undefined], ['ar', 'ar'], ['en', 'en']];
  await Promise.all(
    calls.map(async ([lang, languageCode]) => {
      try {
        await api.setMyCommands(menu(lang), languageCode ? { language_code: languageCode } : {});
      } catch (error) {
        log.warn({ languageCode: languageCode ?? 'default', error: redactSecrets(describeError(error)) }, 'setMyCommands failed (ignored)');
      }
    }),
  );
}

const uiLang = (ctx: BotContext): Lang => pickLang({ text: ctx.match && typeof ctx.match === 'string' ? ctx.match : null, languageCode: ctx.from?.language_code });

async function reply(ctx: BotContext, html: string): Promise<void> {
  await sendHtml(ctx.api, ctx.chat!.id, html, { replyTo: ctx.msg?.message_id }, ctx.services.log);
}

export function commandsComposer(): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command('start', async (ctx) => {
    const lang = pickLang({ languageCode: ctx.from?.language_code });
    const info = ctx.services.engine.info();
    const outlets = [...new Set(info.articles.map((a) => a.outlet).filter((o): o is string => Boolean(o)))];
    const s = t(lang);
    await reply(
      ctx,
      s.start({
        articles: info.articles.length,
        outletsHtml: outlets.length ? outlets.map(escapeHtml).join('، ') : s.none,
        from: escapeHtml(info.dateRange.from ?? s.undated),
        to: escapeHtml(info.dateRange.to ?? s.undated),
        botHtml: escapeHtml(`@${ctx.me.username}`),
      }),
    );
  });

  composer.command('help', async (ctx) => {
    await reply(ctx, t(uiLang(ctx)).help(escapeHtml(`@${ctx.me.username}`)));
  });

  composer.command('sources', async (ctx) => {
    const lang = uiLang(ctx);
    const s = t(lang);
    const articles = [...ctx.services.engine.info().articles].sort((a, b) => (a.date ?? '9999').localeCompare(b.date ?? '9999') || a.file.localeCompare(b.file));
    if (articles.length === 0) {
      await reply(ctx, s.sourcesEmpty);
      return;
    }
    const lines = articles.map((a, i) => `${i + 1}. ${renderSourceLine(articleMeta(a, (id) => ctx.services.engine.chunk(id)), lang)}`);
    await reply(ctx, `${s.sourcesHeader(articles.length)}\n${lines.join('\n')}`);
  });

  composer.command('status', async (ctx) => {
    const info = ctx.services.engine.info();
    await reply(
      ctx,
      t(uiLang(ctx)).status({
        articles: info.articles.length,
        chunks: info.chunks,
        model: info.model ? escapeHtml(info.model) : null,
        modelErrorHtml: info.modelError ? escapeHtml(redactSecrets(info.modelError)) : null,
      }),
    );
  });

  composer.command('reindex', async (ctx) => {
    const { services } = ctx;
    const s = t(uiLang(ctx));
    if (!ctx.from || !services.config.adminIds.has(ctx.from.id)) {
      await reply(ctx, s.adminOnly);
      return;
    }
    if (services.reindexing) {
      await reply(ctx, s.reindexBusy);
      return;
    }
    services.reindexing = true;
    try {
      await reply(ctx, s.reindexStarted);
      const c = await services.engine.reindex();
      services.log.info({ added: c.added.length, changed: c.changed.length, removed: c.removed.length, skipped: c.skipped.length, chunks: c.chunks }, 'reindexed');
      const list = (files: string[]) => (files.length ? `${files.length} (${files.map((f) => `<code>${escapeHtml(f)}</code>`).join('، ')})` : s.none);
      await reply(
        ctx,
        s.reindexDone({
          addedHtml: list(c.added),
          changedHtml: list(c.changed),
          removedHtml: list(c.removed),
          skippedHtml: c.skipped.length
            ? c.skipped.map((k) => `<code>${escapeHtml(k.file)}</code>: ${escapeHtml(k.reason)}`).join('\n')
            : s.none,
          chunks: c.chunks,
          seconds: c.seconds.toFixed(1),
          rebuilt: c.rebuilt,
        }),
      );
    } catch (error) {
      services.log.error({ error: redactSecrets(describeError(error)) }, 'reindex failed');
      await reply(ctx, s.reindexFailed(escapeHtml(redactSecrets(describeError(error)))));
    } finally {
      services.reindexing = false;
    }
  });

  return composer;
}
