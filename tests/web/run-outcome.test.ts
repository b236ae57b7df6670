import { afterEach, expect, it } from 'vitest';
import type { RunView } from '../../server/wire/types.ts';
import { runResultText } from '../../web/src/console/progress.tsx';
import { setLocale } from '../../web/src/i18n.ts';

afterEach(() => setLocale('en'));

const run = (outcome: RunView['outcome'], result: string | null = 'as the service said it') => ({ outcome, result }) as RunView;

it("says how a run ended from its outcome, in either language; an older record by the service's words", () => {
  const early = run({ kind: 'returned_early', afterItem: 2, of: 5, by: 'failsafe' });
  expect(runResultText(early)).toBe('returned early after item 2 of 5 (a failsafe)');
  expect(runResultText(run({ kind: 'completed' }))).toBe('completed');
  expect(runResultText(run({ kind: 'failed', reason: 'could not arm: Arm: Need Position Estimate' }))).toBe(
    'failed: could not arm: Arm: Need Position Estimate',
  );
  expect(runResultText(run(null, 'returned early: landed after item 0 of 4'))).toBe('returned early: landed after item 0 of 4');
  setLocale('zh-CN');
  expect(runResultText(early)).toBe('提前返回：完成第 2 项（共 5 项）后返回（失效保护）');
  expect(runResultText(run({ kind: 'returned_early', afterItem: 1, of: 4, by: 'pilot' }))).toBe('提前返回：完成第 1 项（共 4 项）后返回（飞手指令）');
  expect(runResultText(run({ kind: 'aborted', reason: 'aborted by the pilot before takeoff' }))).toBe('起飞前已中止');
});
