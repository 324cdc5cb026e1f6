import type { LedgerEntry } from '../api/types';
import { fen, money } from '../lib/format';

/** A small chart of the month's usage: the used amount at the end of each day (Beijing), as an SVG
 * (no chart library: it is one line and a few bars). */
export function UsageChart({ period, ledger, total }: { period: string; ledger: LedgerEntry[]; total: string }) {
  const [y, m] = period.split('-').map(Number);
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const byDay: (bigint | null)[] = Array.from({ length: days }, () => null);
  for (const e of ledger) {
    const day = Number(beijingDay(e.at));
    if (day >= 1 && day <= days) byDay[day - 1] = fen(e.usedAfter) ?? 0n; // ledger is in order; the last of a day wins
  }
  let last = 0n;
  const used = byDay.map((v) => (v === null ? last : (last = v)));
  const max = [fen(total) ?? 0n, ...used].reduce((a, b) => (b > a ? b : a), 1n);
  const W = 620,
    H = 140,
    pad = 24;
  const x = (i: number) => pad + (i * (W - 2 * pad)) / Math.max(1, days - 1);
  const yv = (v: bigint) => H - pad - Number((v * BigInt(H - 2 * pad)) / max);
  const path = used.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${yv(v).toFixed(1)}`).join(' ');
  const totalY = yv(fen(total) ?? 0n);
  return (
    <figure className="usage-chart" aria-label={`${period} 额度使用情况图，已使用 ${money(fenToStr(last))} 元，总额度 ${money(total)} 元`}>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} style={{ maxWidth: '100%', height: 'auto' }} aria-hidden="true">
        <line x1={pad} x2={W - pad} y1={totalY} y2={totalY} stroke="#d4380d" strokeDasharray="4 3" />
        <text x={W - pad} y={totalY - 4} textAnchor="end" fontSize="11" fill="#a8071a">
          总额度 {money(total)}
        </text>
        <line x1={pad} x2={W - pad} y1={H - pad} y2={H - pad} stroke="#999" />
        <path d={path} fill="none" stroke="#1456c4" strokeWidth="2" />
        {[1, Math.ceil(days / 2), days].map((d) => (
          <text key={d} x={x(d - 1)} y={H - 6} fontSize="11" textAnchor="middle" fill="#555">
            {m}月{d}日
          </text>
        ))}
      </svg>
      <figcaption>本月累计已用额度（按日）</figcaption>
    </figure>
  );
}

const fenToStr = (v: bigint) => `${v / 100n}.${String(v % 100n).padStart(2, '0')}`;

function beijingDay(at: string): string {
  const d = new Date(at);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', day: '2-digit' }).format(d);
}
