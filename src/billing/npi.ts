/**
 * NPI check digit (DOMAIN §4): 10 digits, the first 1 or 2, and a Luhn check over "80840" + the NPI (the
 * card-issuer prefix the NPI standard prescribes). 1234567893 passes. Pure.
 */

/** Whether `npi` is a well-formed NPI whose check digit is right. */
export function isValidNpi(npi: string): boolean {
  if (!/^[12]\d{9}$/.test(npi)) return false;
  const digits = `80840${npi}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // From the right: the check digit as is, then every second digit doubled.
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Why `npi` is not a usable NPI, in words that follow "NPI 1234567890 …", or undefined when it is one: the true reason
 * first (not 10 digits; not starting with 1 or 2, as every NPI does; then the check digit).
 */
export function npiProblem(npi: string): string | undefined {
  if (!/^\d{10}$/.test(npi)) return 'is not 10 digits';
  if (!/^[12]/.test(npi)) return 'must start with 1 or 2';
  return isValidNpi(npi) ? undefined : 'fails its check digit';
}
