import { Foundation1700000000000 } from './1700000000000-Foundation';
import { IssuingAndQuota1700000000001 } from './1700000000001-IssuingAndQuota';
import { RedLetters1700000000002 } from './1700000000002-RedLetters';
import { Deliveries1700000000003 } from './1700000000003-Deliveries';
import { AuditChain1700000000004 } from './1700000000004-AuditChain';
import { LoginLockout1700000000005 } from './1700000000005-LoginLockout';
import { SignInThrottle1700000000110 } from './1700000000110-SignInThrottle';
import { SharedTestClock1700000000111 } from './1700000000111-SharedTestClock';
import { SetupCodes1700000000120 } from './1700000000120-SetupCodes';
import { PlatformSignatures1700000000130 } from './1700000000130-PlatformSignatures';
import { TaxBreadth1700000000140 } from './1700000000140-TaxBreadth';
import { Webhooks1700000000150 } from './1700000000150-Webhooks';
import { KeysetIndexes1700000000160 } from './1700000000160-KeysetIndexes';
import { WebhookAttemptsAndRetention1700000000170 } from './1700000000170-WebhookAttemptsAndRetention';
import { ListIndexes1700000000180 } from './1700000000180-ListIndexes';
import { Counterparties1700000000190 } from './1700000000190-Counterparties';
import { SessionsByUser1700000000200 } from './1700000000200-SessionsByUser';
import { OutboxOrder1700000000210 } from './1700000000210-OutboxOrder';

/** Every migration in order (explicit, no globs). */
export const MIGRATIONS = [
  Foundation1700000000000,
  IssuingAndQuota1700000000001,
  RedLetters1700000000002,
  Deliveries1700000000003,
  AuditChain1700000000004,
  LoginLockout1700000000005,
  SignInThrottle1700000000110,
  SharedTestClock1700000000111,
  SetupCodes1700000000120,
  PlatformSignatures1700000000130,
  TaxBreadth1700000000140,
  Webhooks1700000000150,
  KeysetIndexes1700000000160,
  WebhookAttemptsAndRetention1700000000170,
  ListIndexes1700000000180,
  Counterparties1700000000190,
  SessionsByUser1700000000200,
  OutboxOrder1700000000210,
];
