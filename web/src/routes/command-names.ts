/** A route item's kind in the page's language: the common ones by name, others by their MAV_CMD number (the routes list, the map's tooltips). */

import { t } from '../i18n.ts';

export function commandName(command: number): string {
  return [16, 20, 21, 22].includes(command) ? t(`wp_${command}` as 'wp_16') : t('wp_other', { n: command });
}
