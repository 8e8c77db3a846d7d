/**
 * ring_all (surges): every eligible seat at once; the first to answer takes the call and the others
 * are released. Returned longest idle first, the order the forks are created in.
 */
import { byLongestIdle, eligibleFor } from './eligibility.ts';
import type { Strategy } from './types.ts';

export const ringAll: Strategy = (candidates, ctx) => candidates.filter((s) => eligibleFor(s, ctx)).sort(byLongestIdle);
