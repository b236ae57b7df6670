/**
 * The desk's bell: two short tones made by WebAudio (no sound file to fetch or cache). A browser
 * that has not been clicked on yet may hold the sound back; the page is clicked at login, so a
 * dispatcher's desk can ring.
 */

let audio: AudioContext | null = null;

export function ringBell(): void {
  try {
    audio ??= new AudioContext();
    void audio.resume();
    const start = audio.currentTime;
    for (const [at, hz] of [[0, 880], [0.25, 660]] as const) {
      const tone = audio.createOscillator();
      const level = audio.createGain();
      tone.frequency.value = hz;
      level.gain.setValueAtTime(0.25, start + at);
      level.gain.exponentialRampToValueAtTime(0.001, start + at + 0.2);
      tone.connect(level).connect(audio.destination);
      tone.start(start + at);
      tone.stop(start + at + 0.2);
    }
  } catch {
    // No audio device or no WebAudio: the card is red all the same.
  }
}
