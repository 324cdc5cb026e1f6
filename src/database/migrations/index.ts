import { Foundation1700000000000 } from './1700000000000-Foundation';

/** Every migration in order (explicit, no globs). */
export const MIGRATIONS = [Foundation1700000000000];
