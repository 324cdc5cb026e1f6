/**
 * Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a 31-letter
 * alphabet (digits and capitals without I, O, Z, S, V):
 *   1 registration authority, 2 organisation category, 3-8 administrative division (6 digits),
 *   9-17 organisation code, 18 check character over the first 17 (weights 3^i mod 31).
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const SHAPE = /^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$/;

/** The check character for the first 17 characters. */
export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = ALPHABET.indexOf(first17[i]);
    if (value < 0) throw new Error(`character ${JSON.stringify(first17[i])} is not in the USCC alphabet`);
    sum += value * WEIGHTS[i];
  }
  return ALPHABET[(31 - (sum % 31)) % 31];
}

/** Why `code` is not a valid USCC, or null when it is. */
export function usccProblem(code: string): string | null {
  if (typeof code !== 'string' || code.length !== 18) return 'must be 18 characters';
  if (!SHAPE.test(code)) return 'must use digits and capital letters other than I, O, Z, S, V, with digits in positions 3-8';
  const expected = usccCheckCharacter(code.slice(0, 17));
  if (code[17] !== expected) return `check character is ${code[17]}, expected ${expected} (GB 32100-2015)`;
  return null;
}

export function isValidUscc(code: string): boolean {
  return usccProblem(code) === null;
}
