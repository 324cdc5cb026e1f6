/**
 * How much quota a taxpayer's risk profile allows (SPEC section 4): the default initial total at
 * registration, and the risk and credit factors the periodic policy (quota/rules.ts) applies too.
 */
import { MAX_MONEY_FEN } from '../common/money';
import type { CreditRating, RiskLevel, TaxpayerType } from './taxpayer.entity';

/**
 * The default initial total when registration does not give one (from the taxpayer's type,
 * scaled by the same risk and credit factors as the periodic policy).
 */
export function defaultInitialQuota(taxpayer: { taxpayerType: TaxpayerType; riskLevel: RiskLevel; creditRating: CreditRating }): bigint {
  const base = taxpayer.taxpayerType === 'general' ? 100_000_000n /* 1,000,000.00 */ : 10_000_000n; /* 100,000.00 */
  return riskScaled(base, taxpayer);
}

/** x50% for high risk; x80% for credit rating C, x50% for D; rounded down to whole yuan. */
export function riskScaled(base: bigint, taxpayer: { riskLevel: RiskLevel; creditRating: CreditRating }): bigint {
  const risk = taxpayer.riskLevel === 'high' ? 50n : 100n;
  const credit = taxpayer.creditRating === 'D' ? 50n : taxpayer.creditRating === 'C' ? 80n : 100n;
  const total = (base * risk * credit) / 10_000n;
  const whole = (total / 100n) * 100n; // whole yuan
  return whole > MAX_MONEY_FEN ? (MAX_MONEY_FEN / 100n) * 100n : whole;
}
