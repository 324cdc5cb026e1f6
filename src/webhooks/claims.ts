/**
 * Claims and clocks. A claim is written with this process's clock and judged run out by another
 * process's clock, after the claim's own UPDATE took however long it took. CLAIM_MARGIN_MS is
 * what we allow for both: the clocks of the processes sharing a database differ by less than
 * that (NTP keeps them far closer), and so does the time a claim's UPDATE takes to come back.
 */
export const CLAIM_MARGIN_MS = 10_000;

/** A claim lasts one whole attempt plus a margin on each side (30 s for the 10 s timeout); a killed process's claims run out after it. */
export const claimMs = (timeoutMs: number) => timeoutMs + 2 * CLAIM_MARGIN_MS;

/**
 * The rule that keeps two processes from sending one attempt at once: an attempt is sent only if
 * the whole of it, `timeoutMs` from now, fits inside its claim less the margin, and it is cut off
 * at that point whatever happens (the answer is the deadline, epoch ms). Another process can claim
 * the delivery only once the claim ran out by its own clock, which is later than that deadline
 * by this process's clock. Null: too little of the claim is left (its UPDATE came back late):
 * the attempt is not sent, the claim is released, and the delivery is tried again later.
 * The outcome may still be written late; if the claim ran out meanwhile it is dropped (the token
 * check), and the attempt counts as not made: the next claim sends it again (at least once).
 */
export function sendDeadline(claimedUntil: number, now: number, timeoutMs: number): number | null {
  const deadline = claimedUntil - CLAIM_MARGIN_MS;
  return now + timeoutMs <= deadline ? deadline : null;
}
