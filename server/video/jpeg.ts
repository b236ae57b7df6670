/**
 * The size of a JPEG picture, read from its frame header (SOFn), and a check that it is one at
 * all: a still offered as evidence is stored only when it is the picture it claims to be.
 */

/** Width and height of a baseline or progressive JPEG, or the reason it is not one. */
export function jpegSize(data: Buffer): { width: number; height: number } | string {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return 'not a JPEG picture (it does not start with the JPEG marker FF D8)';
  let at = 2;
  while (at + 4 <= data.length) {
    if (data[at] !== 0xff) return `not a JPEG picture: no marker at byte ${at}`;
    const marker = data[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = data.readUInt16BE(at + 2);
    // SOF0..SOF15 carry the frame's size, except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > data.length) break;
      const height = data.readUInt16BE(at + 5);
      const width = data.readUInt16BE(at + 7);
      return width > 0 && height > 0 ? { width, height } : 'a JPEG picture without a size';
    }
    if (marker === 0xda) break; // start of scan without a frame header
    at += 2 + length;
  }
  return 'not a whole JPEG picture: no frame header (SOF) before the data ends';
}
