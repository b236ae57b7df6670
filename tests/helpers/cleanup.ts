import { afterEach } from 'vitest';

/**
 * What each test opened, closed after it, last first: `const cleanup = cleanupAfterEach();`
 * then `cleanup.push(() => service.close())`.
 */
export function cleanupAfterEach(): (() => unknown)[] {
  const list: (() => unknown)[] = [];
  afterEach(async () => {
    while (list.length) await list.pop()!();
  });
  return list;
}
