import { usccCheckCharacter } from '../../src/taxpayers/uscc';

let counter = 0;

/** A valid unified social credit code in the given province, unique within the test run. */
export function makeTaxId(province = '22', n?: number): string {
  const serial = String(n ?? (process.pid * 1000 + ++counter) % 10_000_000).padStart(7, '0');
  const first17 = `91${province}0100MA${serial}`;
  return first17 + usccCheckCharacter(first17);
}
