import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';

/**
 * The platform's SM2 signing keys (SPEC section 8). The current key is the one with the highest
 * `seq`; older keys stay, so their public halves stay published. The private scalar is stored
 * sealed (AES-256-GCM under a key derived from SIGNING_KEY_SECRET), never in clear.
 */
@Entity('platform_signing_keys')
@Index('uq_platform_signing_keys_seq', ['seq'], { unique: true })
export class PlatformSigningKeyEntity {
  @PrimaryColumn({ name: 'key_id', type: 'varchar', length: 32 })
  keyId: string;

  @Column({ type: 'integer' })
  seq: number;

  @Column({ type: 'varchar', length: 16 })
  algorithm: string;

  /** 04 || x || y, hex. */
  @Column({ name: 'public_key_hex', type: 'varchar', length: 130 })
  publicKeyHex: string;

  /** base64(iv 12 | tag 16 | ciphertext 32). */
  @Column({ name: 'private_key_sealed', type: 'varchar', length: 200 })
  privateKeySealed: string;

  @InstantColumn({ name: 'valid_from' })
  validFrom: Date;

  @InstantColumn({ name: 'valid_to', nullable: true })
  validTo: Date | null;
}

/** Bytes per chunk of a stored XML file: below MySQL's BLOB limit (65,535). */
export const SIGNED_XML_CHUNK = 60_000;

/**
 * An invoice's XML data file as it was signed, once: every download returns these bytes, the
 * concatenation of its chunks in chunk_no order (written together in one transaction).
 */
@Entity('invoice_signed_xml')
export class InvoiceSignedXmlEntity {
  @PrimaryColumn({ name: 'invoice_number', type: 'varchar', length: 20 })
  invoiceNumber: string;

  @PrimaryColumn({ name: 'chunk_no', type: 'integer' })
  chunkNo: number;

  @Column({ name: 'key_id', type: 'varchar', length: 32 })
  keyId: string;

  @InstantColumn({ name: 'signed_at' })
  signedAt: Date;

  @Column({ type: 'blob' })
  data: Buffer;
}

export const SIGNING_ENTITIES = [PlatformSigningKeyEntity, InvoiceSignedXmlEntity];
