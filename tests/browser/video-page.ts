/** What the video browser tests read from a page's <video>. */
import type { Page } from 'playwright-core';

/**
 * What the page's <video> in `selector` shows over `ms`: frames presented (requestVideoFrameCallback),
 * how far its clock moved, and the spread of its pixels' brightness (a test picture is far from flat;
 * a black or frozen-empty element is flat).
 */
export function decoding(page: Page, selector: string, ms = 2000) {
  return page.$eval(
    selector,
    (video, ms) =>
      new Promise<{ frames: number; advancedS: number; spread: number; width: number }>((resolve) => {
        const v = video as HTMLVideoElement;
        let frames = 0;
        const count = () => {
          frames++;
          v.requestVideoFrameCallback(count);
        };
        v.requestVideoFrameCallback(count);
        const from = v.currentTime;
        setTimeout(() => {
          const canvas = document.createElement('canvas');
          canvas.width = 64;
          canvas.height = 36;
          const c = canvas.getContext('2d')!;
          c.drawImage(v, 0, 0, 64, 36);
          const px = c.getImageData(0, 0, 64, 36).data;
          let min = 255;
          let max = 0;
          for (let i = 0; i < px.length; i += 4) {
            const y = (px[i]! + px[i + 1]! + px[i + 2]!) / 3;
            min = Math.min(min, y);
            max = Math.max(max, y);
          }
          resolve({ frames, advancedS: v.currentTime - from, spread: max - min, width: v.videoWidth });
        }, ms);
      }),
    ms,
  );
}
