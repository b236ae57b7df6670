/**
 * Messages built by the service (server/wire/messages.ts: a code and its parameters) said in the
 * page's language. Their English is the service's own table; their Chinese is in
 * strings/server-messages-zh-CN.ts. Someone else's words inside one (the autopilot's STATUSTEXT)
 * are drawn as they came, in an element that says whose they are.
 */

import type { ComponentChildren } from 'preact';
import { isWordList, MESSAGES_EN, type MessageParam, type ServerMessage } from '../../server/wire/messages.ts';
import { clockTime } from './format.ts';
import { locale, strings, t, translate, type Locale, type StringKey } from './i18n.ts';
import { SERVER_MESSAGES_ZH, TERMS_ZH } from './strings/server-messages-zh-CN.ts';

const templates: Record<Locale, Record<string, string>> = { en: MESSAGES_EN, 'zh-CN': SERVER_MESSAGES_ZH };
/** A list of words (terms) is said with commas, a list of sentences with semicolons (as the service's English). */
const separator: Record<Locale, { words: string; sentences: string }> = { en: { words: ', ', sentences: '; ' }, 'zh-CN': { words: '、', sentences: '；' } };

/** A word of the page's string table, or of the service's terms, in lang; its English as sent otherwise. */
function termText(lang: Locale, key: string, en: string, params?: Record<string, string | number>): string {
  if (Object.hasOwn(strings[lang], key)) return translate(lang, key as StringKey, params);
  return lang === 'zh-CN' && Object.hasOwn(TERMS_ZH, key) ? TERMS_ZH[key]! : en;
}

type Part = string | { verbatim: string; by?: string } | { id: string };

/** The message as text and the autopilot's words in it, in order. */
function parts(lang: Locale, m: ServerMessage): Part[] {
  const template = templates[lang][m.code] ?? MESSAGES_EN[m.code] ?? m.code;
  const params = m.params ?? {};
  const out: Part[] = [];
  let last = 0;
  // `NAME` in a template: an identifier written as it is (MAV_CMD, DO_JUMP), drawn as one.
  const text = (s: string) => s.split('`').map((piece, i) => (i % 2 ? { id: piece } : piece));
  for (const match of template.matchAll(/\{(\w+)\}/g)) {
    out.push(...text(template.slice(last, match.index)));
    const name = match[1]!;
    out.push(...(name in params ? paramParts(lang, params[name]!) : [match[0]]));
    last = match.index + match[0].length;
  }
  out.push(...text(template.slice(last)));
  return out;
}

function paramParts(lang: Locale, p: MessageParam): Part[] {
  if (typeof p === 'string' || typeof p === 'number') return [String(p)];
  if (Array.isArray(p)) {
    const between = separator[lang][isWordList(p) ? 'words' : 'sentences'];
    return p.flatMap((item, i) => (i ? [between, ...paramParts(lang, item)] : paramParts(lang, item)));
  }
  if ('verbatim' in p) return [{ verbatim: p.verbatim, by: p.by }];
  if ('term' in p) return [termText(lang, p.term, p.en, p.params)];
  if ('at' in p) return [clockTime(p.at)];
  if ('id' in p) return [{ id: p.id }];
  return parts(lang, p);
}

/** The message in the page's language, as plain text (a view that calls it follows the language). */
export function sayServer(m: ServerMessage, lang: Locale = locale.value): string {
  return parts(lang, m).map((p) => (typeof p === 'string' ? p : 'id' in p ? p.id : p.verbatim)).join('');
}

/**
 * The message in the page's language, the autopilot's words marked as its own; `fallback`: the
 * service's English, for records kept before it sent the code.
 */
export function Said({ said, fallback }: { said: ServerMessage | null | undefined; fallback: string }): ComponentChildren {
  if (!said) return fallback;
  return parts(locale.value, said).map((p, i) => (typeof p === 'string' ?
    p
    : 'id' in p ?
    <code key={i} class='said__id'>{p.id}</code>
    : <q key={i} class='said__verbatim' lang='en' data-said-by={p.by ?? 'autopilot'}>{p.verbatim}</q>)
  );
}

type IssueLike = { file: string; where: string; text?: string; message: string; said?: ServerMessage; whereSaid?: MessageParam };

/** A route's problem as the page says it: the file, where in it, what; the service's English for a problem it sent without a code. */
export function RouteIssueText({ issue }: { issue: IssueLike }): ComponentChildren {
  if (!issue.said) return issue.text ?? issue.message;
  const where = issue.whereSaid === undefined ?
    null
    : typeof issue.whereSaid === 'object' && !Array.isArray(issue.whereSaid) && 'code' in issue.whereSaid ?
    <Said said={issue.whereSaid} fallback={issue.where} />
    : <code class='said__id'>{issue.where}</code>;
  return (
    <>
      {issue.file}
      {t('issueSeparator')}
      {where && <>{where}{t('issueSeparator')}</>}
      <Said said={issue.said} fallback={issue.message} />
    </>
  );
}
