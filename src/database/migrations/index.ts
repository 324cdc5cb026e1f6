import { Foundation1700000000000 } from './1700000000000-Foundation';
import { IssuingAndQuota1700000000001 } from './1700000000001-IssuingAndQuota';

/** Every migration in order (explicit, no globs). */
export const MIGRATIONS = [Foundation1700000000000, IssuingAndQuota1700000000001];
