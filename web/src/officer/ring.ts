/**
 * The phone rings and vibrates for a new job: a warbling two-tone made by an oscillator (no
 * audio file to load or block), repeated until the officer answers or silences it.
 */

/** What the last burst really did; shown on the document for support staff and tests. */
export interface RingReport {
  /** bursts played since the page opened */
  rings: number;
  ringing: boolean;
  /** the audio context's state now: anything but "running" means a tap is still needed */
  audio: AudioContextState | 'none';
  /** the audio context's state when the last burst started: "running" means it was audible */
  sound: AudioContextState | 'none';
  /** peak level measured at the output during the last burst, 0..1 */
  level: number;
  /** whether the browser accepted the vibration pattern */
  vibrated: boolean;
}

const BURST_S = 2.3;
const REPEAT_MS = 5000;
/** a minute of ringing: after that the job waits on screen, as an unanswered call would */
const MAX_BURSTS = 12;
const VIBRATION_MS = [400, 150, 400, 150, 400, 150, 400];

export class Ringer {
  private ctx: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private burstsLeft = 0;
  private readonly state: RingReport = { rings: 0, ringing: false, audio: 'none', sound: 'none', level: 0, vibrated: false };

  constructor(private readonly report: (r: RingReport) => void) {
    this.publish({});
  }

  /** Browsers only start audio from a tap: call this on every tap (cheap after the first). */
  unlock(): void {
    if (!this.ctx) {
      const ctx = (this.ctx = new AudioContext());
      ctx.onstatechange = () => this.publish({ audio: ctx.state });
    }
    if (this.ctx.state === 'suspended') void this.ctx.resume();
  }

  /** Ring now and again every few seconds until stop(). */
  start(): void {
    this.burstsLeft = MAX_BURSTS;
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.burst(), REPEAT_MS);
      this.burst();
    }
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.state.vibrated) navigator.vibrate(0);
    this.publish({ ringing: false });
  }

  private burst(): void {
    if (this.burstsLeft-- <= 0) return this.stop();
    // Like sound, vibration waits for the officer's first tap (the browser would refuse it and complain).
    const vibrated = navigator.userActivation?.hasBeenActive !== false && (navigator.vibrate?.(VIBRATION_MS) ?? false);
    const sound = this.ctx?.state ?? 'none';
    if (this.ctx && sound === 'running') this.play(this.ctx);
    this.publish({ ringing: true, rings: this.state.rings + 1, sound, vibrated, level: 0 });
  }

  private play(ctx: AudioContext): void {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    const meter = ctx.createAnalyser();
    osc.type = 'square';
    osc.connect(gain).connect(meter).connect(ctx.destination);
    const t0 = ctx.currentTime;
    gain.gain.setValueAtTime(0, t0);
    // Two one-second trills, tones swapping every 50 ms, with a pause between: hard to miss in a street.
    for (const start of [0, 1.3]) {
      gain.gain.setTargetAtTime(0.25, t0 + start, 0.005);
      for (let i = 0; i < 20; i++) osc.frequency.setValueAtTime(i % 2 ? 1320 : 880, t0 + start + i * 0.05);
      gain.gain.setTargetAtTime(0, t0 + start + 1, 0.005);
    }
    osc.start(t0);
    osc.stop(t0 + BURST_S);
    osc.onended = () => osc.disconnect();
    // Measure what really reaches the speaker, a moment in.
    setTimeout(() => {
      const samples = new Float32Array(meter.fftSize);
      meter.getFloatTimeDomainData(samples);
      this.publish({ level: samples.reduce((peak, s) => Math.max(peak, Math.abs(s)), 0) });
    }, 300);
  }

  private publish(change: Partial<RingReport>): void {
    Object.assign(this.state, change);
    this.report({ ...this.state });
  }
}
