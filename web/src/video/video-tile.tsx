/**
 * One drone's picture as the pages show it: the player's <video>, a badge saying whether it is
 * live (or since when there has been no video, or why it cannot play), and overlays drawn here
 * from the drone's telemetry — altitude, heading, battery and the time — so they stay readable
 * whatever the camera sends. Used by the video wall, the drone panel and the officer's phone.
 */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { VehicleView } from '../../../server/wire/types.ts';
import { clockTime } from '../format.ts';
import { t } from '../i18n.ts';
import { sayServer } from '../said.tsx';
import type { PlayerState, VideoPlayer } from './player.ts';

/** The badge's words for a player's state. */
export function videoStateText(s: PlayerState): string {
  switch (s.kind) {
    case 'connecting':
      return t('videoConnecting');
    case 'live':
      return t('videoLive');
    case 'stale':
      return s.since === null ? t('videoNoneYet') : t('videoNoneSince', { time: clockTime(s.since) });
    case 'unsupported':
      return s.codec === 'h265' ? t('videoH265Unsupported') : t('videoCodecUnsupported', { codecs: s.codecs });
    case 'ended':
      return s.why === 'session' ? t('videoSessionEnded') : t('videoNotYours');
  }
}

/** Altitude, heading, battery and the clock, from telemetry (not burned into the picture). */
function Overlay({ vehicle: v, now }: { vehicle: VehicleView | undefined; now: number }) {
  const alt = v?.position ? `${Math.round(v.position.altRel)} m` : '—';
  const heading = v?.heading === null || v?.heading === undefined ? '—' : `${String(Math.round(v.heading) % 360).padStart(3, '0')}°`;
  const battery = v?.battery?.percent === null || v?.battery?.percent === undefined ? '—' : `${Math.round(v.battery.percent)}%`;
  return (
    <div class='video__overlay'>
      {v && (
        <span class='video__telemetry'>
          <span data-overlay='alt'>{t('videoAlt', { alt })}</span>
          <span data-overlay='heading'>{t('videoHeading', { heading })}</span>
          <span data-overlay='battery' class={v.battery?.percent !== null && (v.battery?.percent ?? 100) < 25 ? 'video__low' : ''}>
            {t('videoBattery', { battery })}
          </span>
        </span>
      )}
      <span class='video__clock' data-overlay='time'>{clockTime(now)}</span>
    </div>
  );
}

export interface VideoTileProps {
  player: VideoPlayer;
  /** the drone's name as the page shows it */
  title: string;
  /** for the overlays; none on the officer's phone, which gets no fleet telemetry */
  vehicle?: VehicleView;
  now: number;
  large?: boolean;
  /** a click on the picture enlarges it (the wall, the panel) */
  onEnlarge?: () => void;
  /** below the picture: the snapshot bar */
  children?: ComponentChildren;
}

export function VideoTile({ player, title, vehicle, now, large, onEnlarge, children }: VideoTileProps) {
  const host = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    host.current?.prepend(player.video);
  }, [player]);
  const state = player.state.value;
  const playing = state.kind === 'live' || state.kind === 'stale';
  return (
    <figure class={`video${large ? ' video--large' : ''}`} data-vehicle-id={player.vehicleId} data-state={state.kind}>
      <div
        class={`video__frame${onEnlarge ? ' video__frame--button' : ''}`}
        ref={host}
        role={onEnlarge ? 'button' : undefined}
        tabIndex={onEnlarge ? 0 : undefined}
        title={onEnlarge ? t('videoEnlarge') : undefined}
        onClick={onEnlarge}
        onKeyDown={(e) => {
          if (onEnlarge && (e.key === 'Enter' || e.key === ' ')) onEnlarge();
        }}
      >
        {playing && <Overlay vehicle={vehicle} now={now} />}
        <span class={`video__badge video__badge--${state.kind}`} role='status'>{videoStateText(state)}</span>
        {state.kind === 'stale' && state.said && <span class='video__reason'>{sayServer(state.said)}</span>}
        {!playing && <span class='video__blank' />}
      </div>
      <figcaption class='video__title'>{title}</figcaption>
      {children}
    </figure>
  );
}
