import { ApiKeyEntity, SessionEntity, UserEntity } from '../auth/auth.entities';
import { SetupCodeEntity } from '../auth/setup-code.entity';
import { AuditChainEntity } from '../audit/audit-chain.entity';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { IdempotencyKeyEntity } from '../common/idempotency.entity';
import { DeliveryEntity } from '../delivery/delivery.entity';
import { INVOICE_ENTITIES } from '../invoices/invoice.entities';
import { QUOTA_ENTITIES } from '../quota/quota.entities';
import { RED_LETTER_ENTITIES } from '../red-letter/red-letter.entities';
import { TaxpayerEntity } from '../taxpayers/taxpayer.entity';

/** Every entity, listed explicitly (no globs: the same list works under ts-jest and in dist/). */
export const ENTITIES = [UserEntity, ApiKeyEntity, SessionEntity, TaxpayerEntity, AuditEventEntity, AuditChainEntity, IdempotencyKeyEntity, ...QUOTA_ENTITIES, ...INVOICE_ENTITIES, ...RED_LETTER_ENTITIES, DeliveryEntity, SetupCodeEntity];
