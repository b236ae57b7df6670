/**
 * Passwords the admin tab makes for an account, in the browser, to hand over once: the service
 * only ever gets the password to hash it, and nothing it sends can show it again.
 */

/** Letters and digits that survive being read out or copied by hand: no 0/O, 1/l/I. */
const ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 16 of 57 signs: about 93 bits, far beyond guessing through the login's rate limit or an offline scrypt. */
export const GENERATED_LENGTH = 16;

/** Random bytes; a byte at or above the largest multiple of the alphabet's size is drawn again, so every sign is equally likely. */
export function generatePassword(length = GENERATED_LENGTH): string {
  const limit = 256 - (256 % ALPHABET.length);
  let out = '';
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length))) {
      if (byte < limit && out.length < length) out += ALPHABET[byte % ALPHABET.length];
    }
  }
  return out;
}
