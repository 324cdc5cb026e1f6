import { Foundation1700000000000 } from './1700000000000-Foundation';
import { IssuingAndQuota1700000000001 } from './1700000000001-IssuingAndQuota';
import { RedLetters1700000000002 } from './1700000000002-RedLetters';
import { Deliveries1700000000003 } from './1700000000003-Deliveries';
import { AuditChain1700000000004 } from './1700000000004-AuditChain';
import { LoginLockout1700000000005 } from './1700000000005-LoginLockout';
import { SetupCodes1700000000120 } from './1700000000120-SetupCodes';

/** Every migration in order (explicit, no globs). */
export const MIGRATIONS = [Foundation1700000000000, IssuingAndQuota1700000000001, RedLetters1700000000002, Deliveries1700000000003, AuditChain1700000000004, LoginLockout1700000000005, SetupCodes1700000000120];
