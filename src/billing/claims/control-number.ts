/**
 * CLM01, the patient control number: "RX" + the claim id in base 36 + one check character (Luhn mod 36 over the
 * base-36 digits). At most 16 characters for any bigint id (the TR3 caps CLM01 at 20), unique because claim ids
 * are, and upper case letters and digits only (safe in X12). It comes back as CLP01 in the 835 and TRN02 in the
 * 277CA: the check character lets the reader tell a mistyped control number from an unknown claim.
 */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const PREFIX = 'RX';

/** The control number of claim `id` (a positive integer as a decimal string, as bigint ids come from pg). */
export function claimControlNumber(id: string): string {
  if (!/^[1-9]\d{0,18}$/.test(id)) throw new RangeError('a claim id is a positive integer');
  const body = BigInt(id).toString(36).toUpperCase();
  return `${PREFIX}${body}${checkCharacter(body)}`;
}

/** The claim id a well-formed control number names, or undefined (not ours, or the check character is wrong). */
export function claimIdOf(controlNumber: string): string | undefined {
  const m = /^RX([0-9A-Z]+)([0-9A-Z])$/.exec(controlNumber.trim().toUpperCase());
  if (!m || m[1]!.startsWith('0') || checkCharacter(m[1]!) !== m[2]) return undefined;
  let n = 0n;
  for (const ch of m[1]!) n = n * 36n + BigInt(ALPHABET.indexOf(ch));
  return n.toString();
}

/** Luhn mod N (N = 36): doubles every second digit from the right, starting next to the check character. */
function checkCharacter(body: string): string {
  const n = ALPHABET.length;
  let sum = 0;
  let double = true;
  for (let i = body.length - 1; i >= 0; i--) {
    let v = ALPHABET.indexOf(body[i]!);
    if (double) {
      v *= 2;
      v = Math.floor(v / n) + (v % n);
    }
    sum += v;
    double = !double;
  }
  return ALPHABET[(n - (sum % n)) % n]!;
}
