/** Exact decimal arithmetic on the API's decimal strings, enough for the forms (no floats). */

type Dec = { n: bigint; scale: number };

export function parseDec(s: string | null | undefined): Dec | null {
  const m = /^\s*(-?)(\d+)(?:\.(\d+))?\s*$/.exec(String(s ?? ''));
  if (!m) return null;
  const frac = m[3] ?? '';
  const n = BigInt(m[2] + frac);
  return { n: m[1] ? -n : n, scale: frac.length };
}

/** Round a scaled integer to `scale` decimals, half away from zero (ROUND_HALF_UP on magnitudes). */
function rescale(d: Dec, scale: number): bigint {
  if (d.scale <= scale) return d.n * 10n ** BigInt(scale - d.scale);
  const div = 10n ** BigInt(d.scale - scale);
  const neg = d.n < 0n;
  const a = neg ? -d.n : d.n;
  let q = a / div;
  if ((a % div) * 2n >= div) q += 1n;
  return neg ? -q : q;
}

/** quantity x unitPrice in fen, rounded half up (how the service computes a line's amount). */
export function productFen(quantity: string, unitPrice: string): bigint | null {
  const q = parseDec(quantity);
  const p = parseDec(unitPrice);
  if (!q || !p) return null;
  return rescale({ n: q.n * p.n, scale: q.scale + p.scale }, 2);
}

/** amount / quantity as a plain decimal string with up to 13 decimals (a derived unit price). */
export function quotient(amount: string, quantity: string, decimals = 13): string | null {
  const a = parseDec(amount);
  const q = parseDec(quantity);
  if (!a || !q || q.n === 0n) return null;
  // a.n / 10^a.scale / (q.n / 10^q.scale) = a.n * 10^q.scale / (q.n * 10^a.scale)
  const num = a.n * 10n ** BigInt(q.scale + decimals + 1);
  const den = q.n * 10n ** BigInt(a.scale);
  const raw = { n: num / den, scale: decimals + 1 };
  const v = rescale(raw, decimals);
  return plain({ n: v, scale: decimals });
}

/** A scaled integer as a plain decimal string without trailing zeros: 2.500 -> "2.5". */
export function plain(d: Dec): string {
  const neg = d.n < 0n;
  let digits = (neg ? -d.n : d.n).toString().padStart(d.scale + 1, '0');
  let out = d.scale ? `${digits.slice(0, -d.scale)}.${digits.slice(-d.scale)}` : digits;
  if (d.scale) out = out.replace(/0+$/, '').replace(/\.$/, '');
  digits = out;
  return neg && digits !== '0' ? `-${digits}` : digits;
}

/** Negate a decimal string: "2" -> "-2". */
export function negate(s: string): string {
  const d = parseDec(s);
  return d ? plain({ n: -d.n, scale: d.scale }) : s;
}

/** a - b for decimal strings (quantities), as a plain string. */
export function minus(a: string, b: string): string {
  const x = parseDec(a);
  const y = parseDec(b);
  if (!x || !y) return a;
  const scale = Math.max(x.scale, y.scale);
  return plain({ n: rescale(x, scale) - rescale(y, scale), scale });
}

/** Compare two decimal strings: -1, 0, 1. */
export function compare(a: string, b: string): number {
  const x = parseDec(a);
  const y = parseDec(b);
  if (!x || !y) return 0;
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale) - rescale(y, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
