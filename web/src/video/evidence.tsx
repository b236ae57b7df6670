/**
 * An incident's evidence in its card: the stills taken from the drones' video and filed to it,
 * each with when, which drone and where (GET /api/snapshots?alertId=). Asked when the card is
 * drawn (again after a while) and at once after this page files one.
 */
import { signal } from '@preact/signals';
import type { GroundAlertView, SnapshotView } from '../../../server/wire/types.ts';
import { clockTime, coordinates } from '../format.ts';
import { t } from '../i18n.ts';
import { requestJson } from '../live.ts';

/** A list is asked again when a card is drawn this long after it came. */
const FRESH_MS = 20_000;

export class Evidence {
  private readonly lists = signal<ReadonlyMap<number, readonly SnapshotView[]>>(new Map());
  private readonly asked = new Map<number, number>();

  /** The incident's stills as last heard (asking again when that was a while ago). */
  of(alertId: number): readonly SnapshotView[] {
    const at = this.asked.get(alertId);
    if (at === undefined || Date.now() - at > FRESH_MS) {
      // noted now, so the cards drawn in the same frame do not each ask again
      this.asked.set(alertId, Date.now());
      queueMicrotask(() => void this.refresh(alertId));
    }
    return this.lists.value.get(alertId) ?? [];
  }

  async refresh(alertId: number): Promise<void> {
    this.asked.set(alertId, Date.now());
    try {
      const list = await requestJson<SnapshotView[]>('GET', `/api/snapshots?alertId=${alertId}`);
      this.lists.value = new Map(this.lists.value).set(alertId, list);
    } catch {
      // kept as it was; asked again next time the card is drawn
    }
  }
}

export function IncidentEvidence({ alert, evidence, callsign }: { alert: GroundAlertView; evidence: Evidence; callsign(vehicleId: string): string }) {
  const list = evidence.of(alert.id);
  if (list.length === 0) return null;
  return (
    <section class='evidence' data-evidence-for={String(alert.id)}>
      <h4 class='evidence__title'>{t('evidenceTitle', { n: list.length })}</h4>
      <ul class='evidence__list'>
        {list.map((s) => (
          <li key={s.id} class='evidence__item' data-snapshot-id={String(s.id)}>
            <a href={s.imageUrl} target='_blank' rel='noopener'>
              <img
                class='evidence__image'
                src={s.imageUrl}
                alt={t('evidenceAlt', { drone: callsign(s.vehicleId), time: clockTime(s.takenAt) })}
                loading='lazy'
              />
            </a>
            <span class='evidence__caption'>
              {`${clockTime(s.takenAt)} · ${callsign(s.vehicleId)} · ${s.takenBy}${s.lat !== null && s.lon !== null ? ` · ${coordinates(s.lat, s.lon)}` : ''}`}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
