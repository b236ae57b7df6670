/** How an incident ended (处置结果), said in the page's language. */

import { tOptional } from '../i18n.ts';

export function outcomeName(code: string): string {
  return tOptional(`outcome_${code}`, code);
}
