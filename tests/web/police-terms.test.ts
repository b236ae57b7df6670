/**
 * Police terms (issue 14, item 14): no retired word (接单, 下岗, 离岗, 警员端, 通知民警, 地面警情,
 * 无人掌控, 释放控制 ...) anywhere in web/ or server/ that a user reads, and both pages take the
 * glossary's words from one place (web/src/strings/police-terms.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INCIDENT_OUTCOMES } from '../../server/wire/types.ts';
import { translate } from '../../web/src/i18n.ts';
import { RETIRED, TERMS } from '../../web/src/strings/police-terms.ts';

/** Text a user may read: code and markup that draw pages or build messages, the app's manifest, its service worker. */
const READ = /\.(ts|tsx|js|mjs|html|json|webmanifest|css|svg)$/;
const SKIP = new Set(['node_modules', 'dist']);
const GLOSSARY = path.normalize('web/src/strings/police-terms.ts');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) ? [] : files(full);
    return READ.test(e.name) && full !== GLOSSARY ? [full] : [];
  });
}

describe('police terms', () => {
  it('no retired word in web/ or server/', () => {
    const found: string[] = [];
    const all = [...files('web'), ...files('server')];
    expect(all.length).toBeGreaterThan(100);
    for (const file of all) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const [old, term] of Object.entries(RETIRED)) if (line.includes(old)) found.push(`${file}:${i + 1}: "${old}" (say ${term})`);
      });
    }
    expect(found).toEqual([]);
  });

  it("the string table says the glossary's words on both pages", () => {
    // the officer's phone
    expect(translate('zh-CN', 'reply_accept')).toBe(TERMS.signFor.zh);
    expect(translate('zh-CN', 'job_accepted')).toBe('已签收');
    expect(translate('zh-CN', 'dutyTapOn')).toContain('开始执勤');
    expect(translate('zh-CN', 'dutyTapOff')).toBe('结束执勤');
    expect(translate('zh-CN', 'dutyOff')).toBe('未在岗');
    expect(translate('zh-CN', 'officerTitle')).toBe('SkyBeat 民警端');
    // the command room
    expect(translate('zh-CN', 'sendAlert')).toBe('派警');
    expect(translate('zh-CN', 'newGroundAlert')).toBe('新建警情');
    expect(translate('zh-CN', 'controlFree')).toBe('未接管');
    expect(translate('zh-CN', 'releaseControl')).toBe('交出控制权');
    expect(translate('zh-CN', 'ground_accepted')).toBe(translate('zh-CN', 'job_accepted'));
    // how an incident ended: the officer's resolve and the dispatcher's close, from the glossary
    for (const o of INCIDENT_OUTCOMES) {
      for (const [lang, side] of [['zh-CN', 'zh'], ['en', 'en']] as const) expect(translate(lang, `outcome_${o}`)).toBe(TERMS[`outcome_${o}`][side]);
    }
    expect(translate('zh-CN', 'outcomeLabel')).toBe('处置结果');
  });
});
