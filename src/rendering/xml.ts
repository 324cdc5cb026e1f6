/**
 * The XML data file (SPEC section 8): the national format of a 数电票, the legally complete
 * record that the PDF and OFD faces must agree with (SPEC section 7).
 *
 * The tree, in document order (element names are exact, odd spellings included):
 *
 *   EInvoice
 *     Header
 *       EIid                      the invoice number
 *       EInvoiceTag               "SWEI" + seller province + "00" (SWEI4400 in Guangdong), as real files carry
 *       Version                   XML_VERSION ("0.32", the version most real files carry)
 *       InherentLabel
 *         InIssuType              LabelCode Y 蓝字发票 / N 红字发票
 *         EInvoiceType            LabelCode 01 电子发票
 *         GeneralOrSpecialVAT     LabelCode 01 增值税专用发票 ('special') / 02 普通发票 ('ordinary')
 *         TaxpayerType            the seller's: LabelCode 1 一般纳税人 / 2 小规模纳税人 (one digit, as real files write it)
 *       UndefinedLabel            Label{LabelType, LabelCode, LabelName}*, possibly none:
 *                                   特定业务标签 <code> <name>   a specific business (03 建筑服务, ...)
 *                                   发票载体标签 02 纸质发票        an invoice issued on paper
 *                                   自然人标签 Y 开票给自然人        a buyer without tax id
 *     EInvoiceData
 *       SellerInformation         SellerIdNum, SellerName, SellerAddr, SellerTelNum, SellerBankName, SellerBankAccNum
 *       BuyerInformation          BuyerIdNum (empty for a natural person), BuyerName, BuyerAddr, BuyerTelNum, BuyerBankName, BuyerBankAccNum,
 *                                 BuyerHandlingName (经办人, the buyer's optional handlingName; empty when none)
 *       BasicInformation          TotalAmWithoutTax, TotalTaxAm, TotalTax-includedAmount,
 *                                 TotalTax-includedAmountInChinese, Drawer, RequestTime (yyyy-MM-dd HH:mm:ss, Beijing)
 *       IssuItemInformation*      one per line, in line order: ItemName (*简称*名称), SpecMod, MeaUnits, Quantity,
 *                                 UnPrice, Amount, TaxRate (decimal: 0.13, 0.015, 0), ComTaxAm,
 *                                 TotaltaxIncludedAmount (Amount + ComTaxAm), TaxClassificationCode,
 *                                 then three elements of ours after SPEC's ten (so SPEC's list stays a prefix):
 *                                   PreferentialPolicyMark   优惠政策标识: 03 / 04, empty on a taxed line
 *                                   SpecialVATManagement     增值税特殊管理: 免税 / 不征税, empty on a taxed line
 *                                   InvoiceLineNature        发票行性质: 0 正常行, 1 折扣行 (the negative line right after
 *                                                            the line it discounts), 2 被折扣行
 *                                 A 免税 or 不征税 line has TaxRate 0 (like a taxed 0% line): the mark tells them apart.
 *       SpecificInformation       empty, or, in this order:
 *         Construction            03 建筑服务: ServiceLocation (建筑服务发生地), ProjectName (建筑项目名称),
 *                                 CrossCityFlag (跨地(市)标志 Y/N), LandVatProjectNumber (土地增值税项目编号)
 *         GoodsTransport          04 货物运输服务: TransportLeg* {TransportType (运输工具种类), PlateNumber
 *                                 (运输工具牌号), Origin (起运地), Destination (到达地), GoodsName (运输货物名称)}
 *         RealEstateSale          05 不动产销售 (names of ours, in the style of the others): PropertyAddress (不动产地址),
 *                                 PropertyCertificateNumber (不动产权证号), CrossCityFlag (跨地(市)标志 Y/N),
 *                                 RealEstateUnitCode (不动产单元代码), OnlineContractFilingNumber (网签合同备案编号),
 *                                 LandVatProjectNumber (土地增值税项目编号), AssessedTaxablePrice (核定计税价格),
 *                                 ActualTransactionAmount (实际成交含税金额), AreaUnit (面积单位)
 *         RealEstateLease         06 不动产经营租赁服务: PropertyCertificateNumber (产权证书/不动产权证号),
 *                                 PropertyAddress (不动产地址), LeaseStart, LeaseEnd (租赁期起止, yyyy-MM-dd),
 *                                 CrossCityFlag (Y/N), AreaUnit (面积单位)
 *         PassengerTransportation* 09 旅客运输服务, one per passenger, with the real files' names: Traveler (出行人),
 *                                 ValidIDNumber (有效身份证件号), TypeOfPassengerDocument (证件类型), TravelDate
 *                                 (出行日期, yyyy-MM-dd), Departure (出发地), Destination (到达地), Grade (等级),
 *                                 Vehicletype (交通工具类型: 飞机, 火车, 长途汽车, 公共交通, 出租车, 轮船, 其他)
 *         DifferentialTaxation    差额征税 (no public real file shows it; names of ours in the national style):
 *                                 DifferentialTaxationType (01 全额开票 / 02 差额开票), DifferentialTaxationTypeName,
 *                                 DeductionAmount (扣除额; negative on a red invoice), DeductionVoucher*{VoucherType,
 *                                 VoucherNumber, VoucherDate (yyyy-MM-dd), VoucherAmount} (the blue's vouchers; none on a red)
 *         RedEInvoice             a red invoice: OriginalInvoiceCode (the blue invoice's 20-digit number),
 *                                 CreditNoteNumber (the slip's number): the odd names of real files
 *       AdditionalInformation     Remark (备注, verbatim), Additional{Information, InformationValue}*:
 *                                   购买方邮箱 <e-mail>   when the buyer has an e-mail address
 *     SellerAuthentication        AuthenticationMethods: AUTHENTICATION_METHOD ("02", two digits as real files carry it; the
 *                                 platform publishes no code list - here it records that the seller was authenticated
 *                                 by the platform's own login before issuing)
 *     TaxSupervisionInfo          InvoiceNumber, IssueTime (yyyy-MM-dd, Beijing), TaxBureauCode ("1" + province +
 *                                 "00000000"), TaxBureauName (国家税务总局…税务局)
 *     TaxBureauSignature          when the context carries a signature (every file the service hands out does):
 *                                 Reference URI="/Einvoice/Header|..." (SIGNATURE_REFERENCE_URI, spelled as real files
 *                                 spell it), SignatureAlgorithm 1.2.156.10197.1.501 (SM2 with SM3), SignatureFormat
 *                                 DETACH, SignatureTime (yyyy-MM-dd HH:mm:ss, Beijing), SignatureValue (written EMPTY
 *                                 here: xml-signature.ts signs the document and fills it in), KeyInfo (the keyId of
 *                                 the platform key that signs, see GET /v1/platform/signing-keys)
 *
 * Input: the invoice's read model (src/invoices/invoice-read-model.ts), never the API's JSON view.
 * Values: money from fen as `formatMoney` prints it ("10000.00", "-1300.00" on a red invoice), the
 * capital words from the total in fen (（负数）… on a red invoice), quantities and unit prices as stored.
 * An absent value (null, undefined, "") is an empty element `<X></X>` (written open-and-close rather
 * than `<X/>` for the many integrators that read these files with regular expressions).
 *
 * Output: UTF-8 text with an XML declaration, no indentation. It is written by string
 * concatenation rather than through xmlbuilder2's object API: the element names are fixed
 * here, so only text needs escaping, and xmlbuilder2 (4.0.3) writes a carriage return raw (a
 * parser then reads it back as a line feed) and writes characters XML 1.0 forbids unless asked
 * to throw. Every piece of text goes through the codebase's one escaper, `escapeXml`
 * (src/common/xml-text.ts): characters illegal in XML 1.0 are removed, & < > " ' are escaped as
 * entities and tab, LF, CR as character references, so that it round-trips. The tests parse the
 * output with xmlbuilder2 and xmllint.
 */
import { formatMoney } from '../common/money';
import { escapeXml } from '../common/xml-text';
import { formatCstDate, formatCstDateTime } from '../common/time';
import { amountInWords } from '../invoices/amount-words';
import { DIFFERENTIAL_KINDS } from '../invoices/differential';
import type { InvoiceLineReadModel, InvoiceReadModel, SpecificBusinessReadModel } from '../invoices/invoice-read-model';
import { SPECIFIC_BUSINESS_NAMES } from '../invoices/specific-business';
import { PREFERENTIAL_POLICIES } from '../invoices/tax-math';
import { taxBureauOf } from '../taxpayers/provinces';

export interface XmlContext {
  /** 2-digit GB/T 2260 code; digits 3-4 of the invoice number. */
  sellerProvince: string;
  sellerTaxpayerType: 'general' | 'small_scale';
  /**
   * The platform's signature block to write (TaxBureauSignature, with an empty SignatureValue that
   * signXml fills in); absent: no TaxBureauSignature (an unsigned draft, used by tests).
   */
  signature?: { keyId: string; time: Date } | null;
}

export const XML_VERSION = '0.32';
export const AUTHENTICATION_METHOD = '02';
/** TaxBureauSignature/Reference@URI, verbatim as real files carry it (SPEC section 8). */
export const SIGNATURE_REFERENCE_URI =
  '/Einvoice/Header|/Einvoice/EinvoiceData|/Einvoice/SellerAuthentication|/Einvoice/TaxSupervisionInfo|/Einvoice/TaxBureauSignature/SignatureTime';
/** SM2 with SM3 (GM/T 0006). */
export const SIGNATURE_ALGORITHM = '1.2.156.10197.1.501';

const TAXPAYER_TYPES = { general: ['1', '一般纳税人'], small_scale: ['2', '小规模纳税人'] } as const;
const VAT_KINDS = { special: ['01', '增值税专用发票'], ordinary: ['02', '普通发票'] } as const;

/** `<name>text</name>`; an absent value gives the empty `<name></name>`. Names are ours, never a client's. */
function el(name: string, value: string | null | undefined): string {
  return value ? `<${name}>${escapeXml(value)}</${name}>` : `<${name}></${name}>`;
}

function label(tag: string, code: string, name: string): string {
  return `<${tag}>${el('LabelCode', code)}${el('LabelName', name)}</${tag}>`;
}

function undefinedLabel(type: string, code: string, name: string): string {
  return `<Label>${el('LabelType', type)}${el('LabelCode', code)}${el('LabelName', name)}</Label>`;
}

/** SellerInformation / BuyerInformation: the same six fields under the party's prefix. */
function partyXml(
  prefix: 'Seller' | 'Buyer',
  p: { taxId: string | null; name: string; address: string; phone: string; bankName: string; bankAccount: string; handlingName?: string | null },
): string {
  return (
    `<${prefix}Information>` +
    el(`${prefix}IdNum`, p.taxId) +
    el(`${prefix}Name`, p.name) +
    el(`${prefix}Addr`, p.address) +
    el(`${prefix}TelNum`, p.phone) +
    el(`${prefix}BankName`, p.bankName) +
    el(`${prefix}BankAccNum`, p.bankAccount) +
    (prefix === 'Buyer' ? el('BuyerHandlingName', p.handlingName) : '') +
    `</${prefix}Information>`
  );
}

const yesNo = (flag: unknown) => (flag ? 'Y' : 'N');

/** A money value of a specific business (absent: the empty element). */
const money = (fen: bigint | undefined) => (fen === undefined ? null : formatMoney(fen));

function specificBusinessXml(sb: SpecificBusinessReadModel): string {
  switch (sb.type) {
    case '03':
      return (
        '<Construction>' +
        el('ServiceLocation', sb.location) +
        el('ProjectName', sb.projectName) +
        el('CrossCityFlag', yesNo(sb.crossCity)) +
        el('LandVatProjectNumber', sb.landVatProjectNumber) +
        '</Construction>'
      );
    case '04': {
      let out = '<GoodsTransport>';
      for (const leg of sb.transports ?? []) {
        out +=
          '<TransportLeg>' +
          el('TransportType', leg.transportType) +
          el('PlateNumber', leg.plateNumber) +
          el('Origin', leg.origin) +
          el('Destination', leg.destination) +
          el('GoodsName', leg.goods) +
          '</TransportLeg>';
      }
      return out + '</GoodsTransport>';
    }
    case '05':
      return (
        '<RealEstateSale>' +
        el('PropertyAddress', sb.propertyAddress) +
        el('PropertyCertificateNumber', sb.propertyCertificateNumber) +
        el('CrossCityFlag', yesNo(sb.crossCity)) +
        el('RealEstateUnitCode', sb.realEstateUnitCode) +
        el('OnlineContractFilingNumber', sb.contractFilingNumber) +
        el('LandVatProjectNumber', sb.landVatProjectNumber) +
        el('AssessedTaxablePrice', money(sb.assessedTaxPrice)) +
        el('ActualTransactionAmount', money(sb.actualTransactionAmount)) +
        el('AreaUnit', sb.areaUnit) +
        '</RealEstateSale>'
      );
    case '09':
      return (sb.passengers ?? [])
        .map(
          (p) =>
            '<PassengerTransportation>' +
            el('Traveler', p.traveler) +
            el('ValidIDNumber', p.idNumber) +
            el('TypeOfPassengerDocument', p.idType) +
            el('TravelDate', p.travelDate) +
            el('Departure', p.departure) +
            el('Destination', p.destination) +
            el('Grade', p.grade) +
            el('Vehicletype', p.vehicleType) +
            '</PassengerTransportation>',
        )
        .join('');
    case '06':
      return (
        '<RealEstateLease>' +
        el('PropertyCertificateNumber', sb.propertyCertificateNumber) +
        el('PropertyAddress', sb.propertyAddress) +
        el('LeaseStart', sb.leaseStart) +
        el('LeaseEnd', sb.leaseEnd) +
        el('CrossCityFlag', yesNo(sb.crossCity)) +
        el('AreaUnit', sb.areaUnit) +
        '</RealEstateLease>'
      );
    default:
      return '';
  }
}

function lineXml(line: InvoiceLineReadModel): string {
  const policy = line.preferentialPolicy;
  const policyName = policy ? PREFERENTIAL_POLICIES[policy] : '';
  const withTax = formatMoney(line.amount + line.taxAmount);
  return (
    '<IssuItemInformation>' +
    el('ItemName', line.name) +
    el('SpecMod', line.spec) +
    el('MeaUnits', line.unit) +
    el('Quantity', line.quantity) +
    el('UnPrice', line.unitPrice) +
    el('Amount', formatMoney(line.amount)) +
    el('TaxRate', policy ? '0' : line.taxRate) +
    el('ComTaxAm', formatMoney(line.taxAmount)) +
    el('TotaltaxIncludedAmount', withTax) +
    el('TaxClassificationCode', line.taxClassificationCode) +
    el('PreferentialPolicyMark', policy) +
    el('SpecialVATManagement', policyName) +
    el('InvoiceLineNature', line.lineNature) +
    '</IssuItemInformation>'
  );
}

/** TaxBureauSignature with an empty SignatureValue (the signed bytes are exactly this document's). */
function signatureXml(signature: { keyId: string; time: Date }): string {
  return (
    '<TaxBureauSignature>' +
    `<Reference URI="${escapeXml(SIGNATURE_REFERENCE_URI)}"></Reference>` +
    el('SignatureAlgorithm', SIGNATURE_ALGORITHM) +
    el('SignatureFormat', 'DETACH') +
    el('SignatureTime', formatCstDateTime(signature.time)) +
    '<SignatureValue></SignatureValue>' +
    el('KeyInfo', signature.keyId) +
    '</TaxBureauSignature>'
  );
}

/** The invoice's XML data file (SPEC section 8), as a UTF-8 document string. */
export function invoiceXml(invoice: InvoiceReadModel, context: XmlContext): string {
  const { issuedAt } = invoice;
  const bureau = taxBureauOf(context.sellerProvince);
  const red = invoice.red !== null;
  const [vatCode, vatName] = VAT_KINDS[invoice.type];
  const [taxpayerCode, taxpayerName] = TAXPAYER_TYPES[context.sellerTaxpayerType];
  const specific = invoice.specificBusiness;
  const { seller, buyer } = invoice;

  let labels = '';
  if (specific) labels += undefinedLabel('特定业务标签', specific.type, SPECIFIC_BUSINESS_NAMES[specific.type] ?? '');
  if (invoice.medium === 'paper') labels += undefinedLabel('发票载体标签', '02', '纸质发票');
  if (!buyer.taxId) labels += undefinedLabel('自然人标签', 'Y', '开票给自然人');

  let out =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<EInvoice>' +
    '<Header>' +
    el('EIid', invoice.number) +
    el('EInvoiceTag', `SWEI${context.sellerProvince}00`) +
    el('Version', XML_VERSION) +
    '<InherentLabel>' +
    label('InIssuType', red ? 'N' : 'Y', red ? '红字发票' : '蓝字发票') +
    label('EInvoiceType', '01', '电子发票') +
    label('GeneralOrSpecialVAT', vatCode, vatName) +
    label('TaxpayerType', taxpayerCode, taxpayerName) +
    '</InherentLabel>' +
    `<UndefinedLabel>${labels}</UndefinedLabel>` +
    '</Header>' +
    '<EInvoiceData>' +
    partyXml('Seller', seller) +
    partyXml('Buyer', buyer) +
    '<BasicInformation>' +
    el('TotalAmWithoutTax', formatMoney(invoice.totalAmount)) +
    el('TotalTaxAm', formatMoney(invoice.totalTax)) +
    el('TotalTax-includedAmount', formatMoney(invoice.totalWithTax)) +
    el('TotalTax-includedAmountInChinese', amountInWords(invoice.totalWithTax)) +
    el('Drawer', invoice.drawer) +
    el('RequestTime', formatCstDateTime(issuedAt)) +
    '</BasicInformation>';

  for (const line of invoice.lines) out += lineXml(line);

  out += '<SpecificInformation>';
  if (specific) out += specificBusinessXml(specific);
  const differential = invoice.differential;
  if (differential) {
    out +=
      '<DifferentialTaxation>' +
      el('DifferentialTaxationType', differential.kind) +
      el('DifferentialTaxationTypeName', DIFFERENTIAL_KINDS[differential.kind]) +
      el('DeductionAmount', formatMoney(differential.deduction));
    for (const v of differential.vouchers) {
      out +=
        '<DeductionVoucher>' +
        el('VoucherType', v.voucherType) +
        el('VoucherNumber', v.voucherNumber) +
        el('VoucherDate', v.voucherDate) +
        el('VoucherAmount', formatMoney(v.amount)) +
        '</DeductionVoucher>';
    }
    out += '</DifferentialTaxation>';
  }
  if (invoice.red) {
    out += '<RedEInvoice>' + el('OriginalInvoiceCode', invoice.red.blueNumber) + el('CreditNoteNumber', invoice.red.slipNumber) + '</RedEInvoice>';
  }
  out += '</SpecificInformation>';

  out += '<AdditionalInformation>' + el('Remark', invoice.remarks);
  if (buyer.email) out += '<Additional>' + el('Information', '购买方邮箱') + el('InformationValue', buyer.email) + '</Additional>';
  out += '</AdditionalInformation>';

  return (
    out +
    '</EInvoiceData>' +
    '<SellerAuthentication>' +
    el('AuthenticationMethods', AUTHENTICATION_METHOD) +
    '</SellerAuthentication>' +
    '<TaxSupervisionInfo>' +
    el('InvoiceNumber', invoice.number) +
    el('IssueTime', formatCstDate(issuedAt)) +
    el('TaxBureauCode', bureau.code) +
    el('TaxBureauName', bureau.name) +
    '</TaxSupervisionInfo>' +
    (context.signature ? signatureXml(context.signature) : '') +
    '</EInvoice>'
  );
}
