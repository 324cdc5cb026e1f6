/**
 * 价税合计（大写）: an amount of fen in Chinese capital money words, as printed on invoices:
 * 圆 for the yuan, 角 and 分 for the fraction, 整 when there is none, 零 for skipped places,
 * and （负数） before a negative amount (red invoices).
 *   100.05 -> 壹佰圆零伍分 · 1000000.00 -> 壹佰万圆整 · 10010.10 -> 壹万零壹拾圆壹角
 */
const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const PLACES = ['', '拾', '佰', '仟'];

/** 1..9999 */
function section(n: number): string {
  let out = '';
  let pendingZero = false;
  for (let place = 3; place >= 0; place--) {
    const digit = Math.floor(n / 10 ** place) % 10;
    if (digit === 0) {
      if (out) pendingZero = true;
      continue;
    }
    if (pendingZero) out += '零';
    pendingZero = false;
    out += DIGITS[digit] + PLACES[place];
  }
  return out;
}

/** A positive whole number of yuan. */
function integerWords(n: bigint): string {
  if (n >= 100_000_000n) {
    const high = n / 100_000_000n;
    const low = n % 100_000_000n;
    const head = integerWords(high) + '亿';
    if (low === 0n) return head;
    return head + (low < 10_000_000n ? '零' : '') + integerWords(low);
  }
  if (n >= 10_000n) {
    const high = Number(n / 10_000n);
    const low = Number(n % 10_000n);
    const head = section(high) + '万';
    if (low === 0) return head;
    return head + (low < 1000 ? '零' : '') + section(low);
  }
  return section(Number(n));
}

export function amountInWords(fen: bigint): string {
  if (fen < 0n) return `（负数）${amountInWords(-fen)}`;
  const yuan = fen / 100n;
  const jiao = Number((fen / 10n) % 10n);
  const cents = Number(fen % 10n);
  if (jiao === 0 && cents === 0) return `${yuan === 0n ? '零' : integerWords(yuan)}圆整`;
  let out = yuan > 0n ? `${integerWords(yuan)}圆` : '';
  if (jiao > 0) out += `${DIGITS[jiao]}角`;
  else if (yuan > 0n) out += '零';
  if (cents > 0) out += `${DIGITS[cents]}分`;
  return out;
}
