/** The phone's own position from the browser, watched only while the officer is on duty. */

export interface Fix {
  lat: number;
  lon: number;
  accuracyM: number;
  /** ms since epoch, as the browser timestamped it */
  time: number;
}

/** rejected: the service refused the position the phone sent (detail is its reason) */
export type LocationProblem = { kind: 'denied' } | { kind: 'unsupported' } | { kind: 'unavailable'; detail: string; rejected?: boolean };

export class LocationWatch {
  private watchId: number | null = null;

  constructor(private readonly onFix: (fix: Fix) => void, private readonly onProblem: (p: LocationProblem) => void) {}

  get watching(): boolean {
    return this.watchId !== null;
  }

  start(): void {
    if (this.watchId !== null) return;
    if (!('geolocation' in navigator)) return this.onProblem({ kind: 'unsupported' });
    this.watchId = navigator.geolocation.watchPosition(
      (p) => this.onFix({ lat: p.coords.latitude, lon: p.coords.longitude, accuracyM: p.coords.accuracy, time: p.timestamp }),
      (e) => {
        if (e.code === e.PERMISSION_DENIED) {
          this.stop();
          this.onProblem({ kind: 'denied' });
        } else {
          // Timeouts and lost signal pass (a tunnel, a basement): the watch goes on.
          this.onProblem({ kind: 'unavailable', detail: e.message || `code ${e.code}` });
        }
      },
      // Street level needs GPS; a fix up to 5 s old is still good for dispatch.
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 30_000 },
    );
  }

  stop(): void {
    if (this.watchId !== null) navigator.geolocation.clearWatch(this.watchId);
    this.watchId = null;
  }
}
