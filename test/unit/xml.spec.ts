import { execFileSync, spawnSync } from 'child_process';
import { create } from 'xmlbuilder2';
import { formatMoney, parseMoney } from '../../src/common/money';
import { amountInWords } from '../../src/invoices/amount-words';
import { parseIsoInstant } from '../../src/common/time';
import type { InvoiceEntity, InvoiceLineEntity } from '../../src/invoices/invoice.entities';
import { invoiceReadModel } from '../../src/invoices/invoice-read-model';
import { LINE_NATURE_CODES, type InvoiceView } from '../../src/invoices/invoice.view';
import { escapeXml } from '../../src/common/xml-text';
import { invoiceXml as renderXml, type XmlContext as RenderContext } from '../../src/rendering/xml';

/*
 * SPEC section 8, "The XML data file":
 *
 * The national format, as seen in real files (element names are exact, including their odd
 * spellings):
 * ```
 * EInvoice
 *   Header: EIid, EInvoiceTag, Version,
 *     InherentLabel: InIssuType{LabelCode Y blue / N red, LabelName},
 *       EInvoiceType{01 电子发票}, GeneralOrSpecialVAT{01 增值税专用发票 / 02 普通发票},
 *       TaxpayerType{LabelCode, LabelName}
 *     UndefinedLabel: Label{LabelType, LabelCode, LabelName}*
 *   EInvoiceData
 *     SellerInformation: SellerIdNum, SellerName, SellerAddr, SellerTelNum, SellerBankName, SellerBankAccNum
 *     BuyerInformation:  BuyerIdNum,  BuyerName,  BuyerAddr,  BuyerTelNum,  BuyerBankName,  BuyerBankAccNum,
 *       BuyerHandlingName (经办人, empty when none)
 *     BasicInformation: TotalAmWithoutTax, TotalTaxAm, TotalTax-includedAmount,
 *       TotalTax-includedAmountInChinese, Drawer, RequestTime (yyyy-MM-dd HH:mm:ss)
 *     IssuItemInformation (one per line): ItemName, SpecMod, MeaUnits, Quantity, UnPrice, Amount,
 *       TaxRate (decimal, e.g. 0.13), ComTaxAm, TotaltaxIncludedAmount, TaxClassificationCode
 *     SpecificInformation (specific-business fields; for a red invoice: RedEInvoice{OriginalInvoiceCode
 *       = the blue invoice's 20-digit number, CreditNoteNumber = the slip's number})
 *     AdditionalInformation: Remark, Additional{Information, InformationValue}*
 *   SellerAuthentication: AuthenticationMethods
 *   TaxSupervisionInfo: InvoiceNumber, IssueTime (yyyy-MM-dd), TaxBureauCode (e.g. 14400000000
 *     for Guangdong: "1" + province + "00000000"), TaxBureauName (e.g. 国家税务总局广东省税务局)
 *   TaxBureauSignature: Reference URI="/Einvoice/Header|...", SignatureAlgorithm 1.2.156.10197.1.501,
 *     SignatureFormat DETACH, SignatureTime (yyyy-MM-dd HH:mm:ss), SignatureValue, KeyInfo
 * ```
 * Codes as real files write them: TaxpayerType LabelCode `1` 一般纳税人, `2` 小规模纳税人;
 * AuthenticationMethods two digits (`02`).
 * Red invoices carry negative amounts and the capital words start with （负数）.
 */

// ---------------------------------------------------------------------------------------------
// The golden structure: SPEC section 8 as paths, in document order. Repeated parts are functions.

const HEADER = [
  'EInvoice',
  'EInvoice/Header',
  'EInvoice/Header/EIid',
  'EInvoice/Header/EInvoiceTag',
  'EInvoice/Header/Version',
  'EInvoice/Header/InherentLabel',
  'EInvoice/Header/InherentLabel/InIssuType',
  'EInvoice/Header/InherentLabel/InIssuType/LabelCode',
  'EInvoice/Header/InherentLabel/InIssuType/LabelName',
  'EInvoice/Header/InherentLabel/EInvoiceType',
  'EInvoice/Header/InherentLabel/EInvoiceType/LabelCode',
  'EInvoice/Header/InherentLabel/EInvoiceType/LabelName',
  'EInvoice/Header/InherentLabel/GeneralOrSpecialVAT',
  'EInvoice/Header/InherentLabel/GeneralOrSpecialVAT/LabelCode',
  'EInvoice/Header/InherentLabel/GeneralOrSpecialVAT/LabelName',
  'EInvoice/Header/InherentLabel/TaxpayerType',
  'EInvoice/Header/InherentLabel/TaxpayerType/LabelCode',
  'EInvoice/Header/InherentLabel/TaxpayerType/LabelName',
  'EInvoice/Header/UndefinedLabel',
];
const LABEL = [
  'EInvoice/Header/UndefinedLabel/Label',
  'EInvoice/Header/UndefinedLabel/Label/LabelType',
  'EInvoice/Header/UndefinedLabel/Label/LabelCode',
  'EInvoice/Header/UndefinedLabel/Label/LabelName',
];
const PARTIES_AND_BASIC = [
  'EInvoice/EInvoiceData',
  'EInvoice/EInvoiceData/SellerInformation',
  'EInvoice/EInvoiceData/SellerInformation/SellerIdNum',
  'EInvoice/EInvoiceData/SellerInformation/SellerName',
  'EInvoice/EInvoiceData/SellerInformation/SellerAddr',
  'EInvoice/EInvoiceData/SellerInformation/SellerTelNum',
  'EInvoice/EInvoiceData/SellerInformation/SellerBankName',
  'EInvoice/EInvoiceData/SellerInformation/SellerBankAccNum',
  'EInvoice/EInvoiceData/BuyerInformation',
  'EInvoice/EInvoiceData/BuyerInformation/BuyerIdNum',
  'EInvoice/EInvoiceData/BuyerInformation/BuyerName',
  'EInvoice/EInvoiceData/BuyerInformation/BuyerAddr',
  'EInvoice/EInvoiceData/BuyerInformation/BuyerTelNum',
  'EInvoice/EInvoiceData/BuyerInformation/BuyerBankName',
  'EInvoice/EInvoiceData/BuyerInformation/BuyerBankAccNum',
  'EInvoice/EInvoiceData/BuyerInformation/BuyerHandlingName',
  'EInvoice/EInvoiceData/BasicInformation',
  'EInvoice/EInvoiceData/BasicInformation/TotalAmWithoutTax',
  'EInvoice/EInvoiceData/BasicInformation/TotalTaxAm',
  'EInvoice/EInvoiceData/BasicInformation/TotalTax-includedAmount',
  'EInvoice/EInvoiceData/BasicInformation/TotalTax-includedAmountInChinese',
  'EInvoice/EInvoiceData/BasicInformation/Drawer',
  'EInvoice/EInvoiceData/BasicInformation/RequestTime',
];
const ITEM = [
  'EInvoice/EInvoiceData/IssuItemInformation',
  'EInvoice/EInvoiceData/IssuItemInformation/ItemName',
  'EInvoice/EInvoiceData/IssuItemInformation/SpecMod',
  'EInvoice/EInvoiceData/IssuItemInformation/MeaUnits',
  'EInvoice/EInvoiceData/IssuItemInformation/Quantity',
  'EInvoice/EInvoiceData/IssuItemInformation/UnPrice',
  'EInvoice/EInvoiceData/IssuItemInformation/Amount',
  'EInvoice/EInvoiceData/IssuItemInformation/TaxRate',
  'EInvoice/EInvoiceData/IssuItemInformation/ComTaxAm',
  'EInvoice/EInvoiceData/IssuItemInformation/TotaltaxIncludedAmount',
  'EInvoice/EInvoiceData/IssuItemInformation/TaxClassificationCode',
  // Ours, after SPEC's ten (documented in src/rendering/xml.ts): 优惠政策标识, 增值税特殊管理, 发票行性质.
  'EInvoice/EInvoiceData/IssuItemInformation/PreferentialPolicyMark',
  'EInvoice/EInvoiceData/IssuItemInformation/SpecialVATManagement',
  'EInvoice/EInvoiceData/IssuItemInformation/InvoiceLineNature',
];
const SPECIFIC = 'EInvoice/EInvoiceData/SpecificInformation';
const CONSTRUCTION = [
  `${SPECIFIC}/Construction`,
  ...['ServiceLocation', 'ProjectName', 'CrossCityFlag', 'LandVatProjectNumber'].map((n) => `${SPECIFIC}/Construction/${n}`),
];
const TRANSPORT = [`${SPECIFIC}/GoodsTransport`];
const LEG = [
  `${SPECIFIC}/GoodsTransport/TransportLeg`,
  ...['TransportType', 'PlateNumber', 'Origin', 'Destination', 'GoodsName'].map((n) => `${SPECIFIC}/GoodsTransport/TransportLeg/${n}`),
];
const LEASE = [
  `${SPECIFIC}/RealEstateLease`,
  ...['PropertyCertificateNumber', 'PropertyAddress', 'LeaseStart', 'LeaseEnd', 'CrossCityFlag', 'AreaUnit'].map((n) => `${SPECIFIC}/RealEstateLease/${n}`),
];
const RED = [`${SPECIFIC}/RedEInvoice`, `${SPECIFIC}/RedEInvoice/OriginalInvoiceCode`, `${SPECIFIC}/RedEInvoice/CreditNoteNumber`];
const SIGNATURE = [
  'EInvoice/TaxBureauSignature',
  ...['Reference', 'SignatureAlgorithm', 'SignatureFormat', 'SignatureTime', 'SignatureValue', 'KeyInfo'].map((n) => `EInvoice/TaxBureauSignature/${n}`),
];
const ADDITIONAL_START = ['EInvoice/EInvoiceData/AdditionalInformation', 'EInvoice/EInvoiceData/AdditionalInformation/Remark'];
const ADDITIONAL = [
  'EInvoice/EInvoiceData/AdditionalInformation/Additional',
  'EInvoice/EInvoiceData/AdditionalInformation/Additional/Information',
  'EInvoice/EInvoiceData/AdditionalInformation/Additional/InformationValue',
];
const TAIL = [
  'EInvoice/SellerAuthentication',
  'EInvoice/SellerAuthentication/AuthenticationMethods',
  'EInvoice/TaxSupervisionInfo',
  'EInvoice/TaxSupervisionInfo/InvoiceNumber',
  'EInvoice/TaxSupervisionInfo/IssueTime',
  'EInvoice/TaxSupervisionInfo/TaxBureauCode',
  'EInvoice/TaxSupervisionInfo/TaxBureauName',
];

const times = (n: number, part: string[]) => Array.from({ length: n }, () => part).flat();

function golden(o: { labels: number; lines: number; specific?: string[]; additional: number }): string[] {
  return [
    ...HEADER,
    ...times(o.labels, LABEL),
    ...PARTIES_AND_BASIC,
    ...times(o.lines, ITEM),
    SPECIFIC,
    ...(o.specific ?? []),
    ...ADDITIONAL_START,
    ...times(o.additional, ADDITIONAL),
    ...TAIL,
  ];
}

// ---------------------------------------------------------------------------------------------
// Parsing the output back.

interface Node {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<Node>;
}

interface Parsed {
  paths: string[];
  /** Text of every element at `path`, in document order. */
  all(path: string): string[];
  /** Text of the only (or `index`th) element at `path`. */
  value(path: string, index?: number): string;
}

function parse(xml: string): Parsed {
  const root = create(xml).root().node as unknown as Node;
  const paths: string[] = [];
  const texts = new Map<string, string[]>();
  const walk = (node: Node, prefix: string) => {
    const path = prefix ? `${prefix}/${node.nodeName}` : node.nodeName;
    paths.push(path);
    const children = Array.from(node.childNodes);
    const elements = children.filter((c) => c.nodeType === 1);
    // Either an element with element children only, or a leaf with text (no mixed content).
    if (elements.length) expect(children.filter((c) => c.nodeType !== 1)).toEqual([]);
    else texts.set(path, [...(texts.get(path) ?? []), node.textContent ?? '']);
    elements.forEach((c) => walk(c, path));
  };
  walk(root, '');
  return {
    paths,
    all: (path) => texts.get(path) ?? [],
    value: (path, index = 0) => {
      const values = texts.get(path) ?? [];
      if (index === 0 && values.length !== 1) throw new Error(`${path}: ${values.length} elements`);
      return values[index];
    },
  };
}

const hasXmllint = spawnSync('which', ['xmllint']).status === 0;

function xmllint(xml: string): void {
  execFileSync('xmllint', ['--noout', '-'], { input: xml, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** An independent parser's reading of one value (libxml2). */
function xpath(xml: string, expression: string): string {
  const out = execFileSync('xmllint', ['--xpath', `string(${expression})`, '-'], { input: xml }).toString('utf8');
  return out.endsWith('\n') ? out.slice(0, -1) : out;
}

// ---------------------------------------------------------------------------------------------
// Invoices built by hand, in the shape the API shows them (easy to read and to compare with
// docs/api.md), turned into the rows the database holds and rendered through the real read model.

/** The rows an invoice in the API's shape is stored as. */
function rowsOf(v: InvoiceView): { invoice: InvoiceEntity; lines: InvoiceLineEntity[] } {
  const issuedAt = parseIsoInstant(v.issuedAt);
  if (!issuedAt) throw new Error(`fixture ${v.number}: issuedAt is not an ISO instant`);
  const d = v.differentialTaxation;
  const invoice: Partial<InvoiceEntity> = {
    number: v.number,
    type: v.type,
    medium: v.medium,
    color: v.color,
    status: v.status,
    issuedAt,
    sellerTaxId: v.seller.taxId,
    sellerName: v.seller.name,
    sellerAddress: v.seller.address,
    sellerPhone: v.seller.phone,
    sellerBankName: v.seller.bankName,
    sellerBankAccount: v.seller.bankAccount,
    buyerTaxId: v.buyer.taxId,
    buyerName: v.buyer.name,
    buyerAddress: v.buyer.address,
    buyerPhone: v.buyer.phone,
    buyerBankName: v.buyer.bankName,
    buyerBankAccount: v.buyer.bankAccount,
    buyerEmail: v.buyer.email,
    buyerHandlingName: v.buyer.handlingName,
    priceIncludesTax: v.priceIncludesTax,
    totalAmount: parseMoney(v.totalAmount),
    totalTax: parseMoney(v.totalTax),
    totalWithTax: parseMoney(v.totalWithTax),
    remarks: v.remarks,
    drawer: v.drawer,
    specificBusiness: v.specificBusiness,
    differentialTaxation: d ? { kind: d.kind, deductions: d.deductions } : null,
    deduction: d ? parseMoney(d.deduction) : null,
    blueNumber: v.blueInvoiceNumber,
    redConfirmationId: v.redConfirmationId,
  };
  const lines = v.lines.map((l): InvoiceLineEntity => ({
    invoiceNumber: v.number,
    lineNo: l.lineNo,
    itemName: l.itemName,
    categoryShortName: l.categoryShortName,
    taxClassificationCode: l.taxClassificationCode,
    spec: l.spec,
    unit: l.unit,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    amount: parseMoney(l.amount),
    taxRate: l.taxRate,
    taxAmount: parseMoney(l.taxAmount),
    preferentialPolicy: l.preferentialPolicy,
    lineNature: LINE_NATURE_CODES[l.lineNature],
  }));
  return { invoice: invoice as InvoiceEntity, lines };
}

/** The render context, with the slip's number a red invoice's relations carry. */
type XmlContext = RenderContext & { redConfirmationNumber?: string | null };

/** The XML of an invoice given in the API's shape: its rows, their read model, the renderer. */
function invoiceXml(v: InvoiceView, context: XmlContext): string {
  const { invoice, lines } = rowsOf(v);
  return renderXml(invoiceReadModel(invoice, lines, { redConfirmationNumber: context.redConfirmationNumber }), context);
}

type Line = InvoiceView['lines'][number];

function line(lineNo: number, o: Partial<Line> & Pick<Line, 'categoryShortName' | 'itemName' | 'amount' | 'taxRate' | 'taxAmount'>): Line {
  return {
    lineNo,
    name: `*${o.categoryShortName}*${o.itemName}`,
    taxClassificationCode: '1090511030000000000',
    spec: '',
    unit: '',
    quantity: null,
    unitPrice: null,
    preferentialPolicy: null,
    preferentialPolicyName: null,
    lineNature: 'normal',
    ...o,
  };
}

function invoice(lines: Line[], o: Partial<InvoiceView> = {}): InvoiceView {
  const totalAmount = lines.reduce((s, l) => s + parseMoney(l.amount), 0n);
  const totalTax = lines.reduce((s, l) => s + parseMoney(l.taxAmount), 0n);
  return {
    number: '24442000000036916313',
    type: 'special',
    medium: 'electronic',
    color: 'blue',
    status: 'issued',
    issuedAt: '2024-03-01T00:30:05+08:00', // 2024-02-29 16:30:05 UTC: the Beijing date differs
    seller: {
      taxId: '91440300MA5FXXXX1X',
      name: '深圳市示例科技有限公司',
      address: '深圳市南山区科技园路1号',
      phone: '0755-12345678',
      bankName: '中国工商银行深圳南山支行',
      bankAccount: '4000020309200123456',
    },
    buyer: {
      taxId: '91440101MA5AXXXX2Y',
      name: '广州市示例贸易有限公司',
      address: '广州市天河区体育西路2号',
      phone: '020-87654321',
      bankName: '中国建设银行广州天河支行',
      bankAccount: '44050140040000000123',
      email: null,
      handlingName: '李四',
    },
    priceIncludesTax: false,
    lines,
    totalAmount: formatMoney(totalAmount),
    totalTax: formatMoney(totalTax),
    totalWithTax: formatMoney(totalAmount + totalTax),
    totalWithTaxInWords: amountInWords(totalAmount + totalTax),
    remarks: '',
    drawer: '李会计',
    specificBusiness: null,
    differentialTaxation: null,
    usage: null,
    accountingEntry: 'not_entered',
    voidedAt: null,
    blueInvoiceNumber: null,
    redConfirmationId: null,
    redConfirmations: [],
    redInvoices: [],
    ...o,
  };
}

const GD: XmlContext = { sellerProvince: '44', sellerTaxpayerType: 'general', redConfirmationNumber: null };

const laptop = line(1, {
  categoryShortName: '计算机配套产品',
  itemName: '笔记本电脑',
  spec: 'X1-2024',
  unit: '台',
  quantity: '2',
  unitPrice: '4000',
  amount: '8000.00',
  taxRate: '0.13',
  taxAmount: '1040.00',
  taxClassificationCode: '1090511030000000000',
});
const maintenance = line(2, {
  categoryShortName: '信息技术服务',
  itemName: '软件维护',
  unit: '次',
  quantity: '1',
  unitPrice: '2000',
  amount: '2000.00',
  taxRate: '0.06',
  taxAmount: '120.00',
  taxClassificationCode: '3040201000000000000',
});
const blueSpecial = invoice([laptop, maintenance]);

const naturalPerson = invoice(
  [
    line(1, {
      categoryShortName: '餐饮服务',
      itemName: '餐费',
      amount: '300.00',
      taxRate: '0.03',
      taxAmount: '9.00',
      taxClassificationCode: '3070401000000000000',
    }),
  ],
  {
    number: '24412000000000000042',
    type: 'ordinary',
    buyer: { taxId: null, name: '张三', address: '', phone: '', bankName: '', bankAccount: '', email: 'zhangsan@example.com', handlingName: null },
  },
);

const redLine = line(1, {
  categoryShortName: '计算机配套产品',
  itemName: '笔记本电脑',
  spec: 'X1-2024',
  unit: '台',
  quantity: '-2.5',
  unitPrice: '4000',
  amount: '-10000.00',
  taxRate: '0.13',
  taxAmount: '-1300.00',
});
const red = invoice([redLine], {
  number: '24442000000036916999',
  color: 'red',
  blueInvoiceNumber: '24442000000036916313',
  remarks: '被红冲蓝字数电票号码：24442000000036916313 红字发票信息确认单编号：44010824091002615708',
});
const redContext: XmlContext = { ...GD, redConfirmationNumber: '44010824091002615708' };

const construction = invoice(
  [
    line(1, {
      categoryShortName: '建筑服务',
      itemName: '工程服务',
      amount: '100000.00',
      taxRate: '0.09',
      taxAmount: '9000.00',
      taxClassificationCode: '3050100000000000000',
    }),
  ],
  { specificBusiness: { type: '03', location: '广东省广州市天河区', projectName: '天河某写字楼装修工程', crossCity: true, landVatProjectNumber: 'TD2024001' } },
);
const transport = invoice(
  [
    line(1, {
      categoryShortName: '运输服务',
      itemName: '国内道路货物运输服务',
      amount: '5000.00',
      taxRate: '0.09',
      taxAmount: '450.00',
      taxClassificationCode: '3010101020000000000',
    }),
  ],
  {
    specificBusiness: {
      type: '04',
      transports: [
        { transportType: '公路运输', plateNumber: '粤A12345', origin: '广州', destination: '长沙', goods: '电脑' },
        { transportType: '铁路运输', plateNumber: 'K1234', origin: '长沙', destination: '郑州', goods: '电脑配件' },
      ],
    },
  },
);
const lease = invoice(
  [
    line(1, {
      categoryShortName: '经营租赁',
      itemName: '房屋租金',
      amount: '20000.00',
      taxRate: '0.09',
      taxAmount: '1800.00',
      taxClassificationCode: '3040502020200000000',
    }),
  ],
  {
    specificBusiness: {
      type: '06',
      propertyCertificateNumber: '粤(2023)广州市不动产权第0000001号',
      propertyAddress: '广州市越秀区中山路3号',
      leaseStart: '2024-01-01',
      leaseEnd: '2024-12-31',
      crossCity: false,
      areaUnit: '平方米',
    },
  },
);
const taxFree = invoice([
  line(1, {
    categoryShortName: '蔬菜',
    itemName: '白菜',
    unit: '千克',
    quantity: '1000',
    unitPrice: '3.5',
    amount: '3500.00',
    taxRate: '0',
    taxAmount: '0.00',
    preferentialPolicy: '03',
    preferentialPolicyName: '免税',
    taxClassificationCode: '1010112010000000000',
  }),
  line(2, {
    categoryShortName: '预付卡销售',
    itemName: '储值卡',
    amount: '500.00',
    taxRate: '0',
    taxAmount: '0.00',
    preferentialPolicy: '04',
    preferentialPolicyName: '不征税',
    taxClassificationCode: '6010000000000000000',
  }),
  line(3, {
    categoryShortName: '农产品',
    itemName: '出口大米',
    amount: '100.00',
    taxRate: '0',
    taxAmount: '0.00',
    taxClassificationCode: '1010101010000000000',
  }),
]);

// ---------------------------------------------------------------------------------------------

describe('XML data file: structure (SPEC section 8)', () => {
  it.each([
    ['blue special, 2 lines', blueSpecial, GD, golden({ labels: 0, lines: 2, additional: 0 })],
    [
      'ordinary to a natural person with an e-mail',
      naturalPerson,
      { ...GD, sellerProvince: '41', sellerTaxpayerType: 'small_scale' } as XmlContext,
      golden({ labels: 1, lines: 1, additional: 1 }),
    ],
    ['red', red, redContext, golden({ labels: 0, lines: 1, specific: RED, additional: 0 })],
    ['03 建筑服务', construction, GD, golden({ labels: 1, lines: 1, specific: CONSTRUCTION, additional: 0 })],
    ['04 货物运输服务, 2 legs', transport, GD, golden({ labels: 1, lines: 1, specific: [...TRANSPORT, ...LEG, ...LEG], additional: 0 })],
    ['06 不动产经营租赁', lease, GD, golden({ labels: 1, lines: 1, specific: LEASE, additional: 0 })],
    ['tax-free and non-taxable lines', taxFree, GD, golden({ labels: 0, lines: 3, additional: 0 })],
    [
      'red of a 03 blue, on paper',
      { ...red, medium: 'paper', specificBusiness: construction.specificBusiness } as InvoiceView,
      redContext,
      golden({ labels: 2, lines: 1, specific: [...CONSTRUCTION, ...RED], additional: 0 }),
    ],
  ])('%s: the element tree is the golden list of paths, in order', (_name, inv, context, expected) => {
    const xml = invoiceXml(inv, context);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><EInvoice>')).toBe(true);
    expect(parse(xml).paths).toEqual(expected);
    if (hasXmllint) xmllint(xml);
    // Signed: the same tree, TaxBureauSignature last.
    const signed = invoiceXml(inv, { ...context, signature: { keyId: 'k1', time: new Date('2024-03-01T00:00:00Z') } });
    expect(parse(signed).paths).toEqual([...expected, ...SIGNATURE]);
  });

  it("keeps SPEC's element list of every section intact (ours only appended after it)", () => {
    const paths = parse(invoiceXml(blueSpecial, GD)).paths;
    const children = (parent: string) => [
      ...new Set(paths.filter((p) => p.startsWith(`${parent}/`) && !p.slice(parent.length + 1).includes('/')).map((p) => p.slice(parent.length + 1))),
    ];
    expect(children('EInvoice')).toEqual(['Header', 'EInvoiceData', 'SellerAuthentication', 'TaxSupervisionInfo']);
    expect(children('EInvoice/Header')).toEqual(['EIid', 'EInvoiceTag', 'Version', 'InherentLabel', 'UndefinedLabel']);
    expect(children('EInvoice/EInvoiceData')).toEqual([
      'SellerInformation',
      'BuyerInformation',
      'BasicInformation',
      'IssuItemInformation',
      'SpecificInformation',
      'AdditionalInformation',
    ]);
    expect(children('EInvoice/EInvoiceData/IssuItemInformation').slice(0, 10)).toEqual([
      'ItemName',
      'SpecMod',
      'MeaUnits',
      'Quantity',
      'UnPrice',
      'Amount',
      'TaxRate',
      'ComTaxAm',
      'TotaltaxIncludedAmount',
      'TaxClassificationCode',
    ]);
    expect(paths).not.toContain('EInvoice/TaxBureauSignature');
  });

  it('writes an empty optional value as an empty element', () => {
    const xml = invoiceXml(naturalPerson, { ...GD, sellerProvince: '41' });
    expect(xml).toContain('<BuyerIdNum></BuyerIdNum>');
    expect(xml).toContain('<BuyerAddr></BuyerAddr>');
    expect(xml).toContain('<SpecMod></SpecMod>');
    expect(xml).toContain('<Quantity></Quantity><UnPrice></UnPrice>');
    expect(xml).toContain('<Remark></Remark>');
    expect(xml).toContain('<SpecificInformation></SpecificInformation>');
    expect(invoiceXml(blueSpecial, GD)).toContain('<UndefinedLabel></UndefinedLabel>');
  });
});

describe('XML data file: values', () => {
  const H = 'EInvoice/Header';
  const B = 'EInvoice/EInvoiceData/BasicInformation';
  const I = 'EInvoice/EInvoiceData/IssuItemInformation';
  const T = 'EInvoice/TaxSupervisionInfo';

  it('blue special: header labels, parties, totals, lines, supervision', () => {
    const x = parse(invoiceXml(blueSpecial, GD));
    expect(x.value(`${H}/EIid`)).toBe('24442000000036916313');
    expect(x.value(`${H}/EInvoiceTag`)).toBe('SWEI4400');
    expect(x.value(`${H}/Version`)).toBe('0.32');
    expect([x.value(`${H}/InherentLabel/InIssuType/LabelCode`), x.value(`${H}/InherentLabel/InIssuType/LabelName`)]).toEqual(['Y', '蓝字发票']);
    expect([x.value(`${H}/InherentLabel/EInvoiceType/LabelCode`), x.value(`${H}/InherentLabel/EInvoiceType/LabelName`)]).toEqual(['01', '电子发票']);
    expect([x.value(`${H}/InherentLabel/GeneralOrSpecialVAT/LabelCode`), x.value(`${H}/InherentLabel/GeneralOrSpecialVAT/LabelName`)]).toEqual([
      '01',
      '增值税专用发票',
    ]);
    expect([x.value(`${H}/InherentLabel/TaxpayerType/LabelCode`), x.value(`${H}/InherentLabel/TaxpayerType/LabelName`)]).toEqual(['1', '一般纳税人']);

    const S = 'EInvoice/EInvoiceData/SellerInformation';
    expect(['SellerIdNum', 'SellerName', 'SellerAddr', 'SellerTelNum', 'SellerBankName', 'SellerBankAccNum'].map((n) => x.value(`${S}/${n}`))).toEqual([
      '91440300MA5FXXXX1X',
      '深圳市示例科技有限公司',
      '深圳市南山区科技园路1号',
      '0755-12345678',
      '中国工商银行深圳南山支行',
      '4000020309200123456',
    ]);
    const Y = 'EInvoice/EInvoiceData/BuyerInformation';
    expect(
      ['BuyerIdNum', 'BuyerName', 'BuyerAddr', 'BuyerTelNum', 'BuyerBankName', 'BuyerBankAccNum', 'BuyerHandlingName'].map((n) => x.value(`${Y}/${n}`)),
    ).toEqual([
      '91440101MA5AXXXX2Y',
      '广州市示例贸易有限公司',
      '广州市天河区体育西路2号',
      '020-87654321',
      '中国建设银行广州天河支行',
      '44050140040000000123',
      '李四',
    ]);

    expect(x.value(`${B}/TotalAmWithoutTax`)).toBe('10000.00');
    expect(x.value(`${B}/TotalTaxAm`)).toBe('1160.00');
    expect(x.value(`${B}/TotalTax-includedAmount`)).toBe('11160.00');
    expect(x.value(`${B}/TotalTax-includedAmountInChinese`)).toBe('壹万壹仟壹佰陆拾圆整');
    expect(x.value(`${B}/Drawer`)).toBe('李会计');
    expect(x.value(`${B}/RequestTime`)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(x.value(`${B}/RequestTime`)).toBe('2024-03-01 00:30:05'); // Beijing time, not UTC (2024-02-29 16:30:05)

    expect(x.all(`${I}/ItemName`)).toEqual(['*计算机配套产品*笔记本电脑', '*信息技术服务*软件维护']);
    expect(x.all(`${I}/SpecMod`)).toEqual(['X1-2024', '']);
    expect(x.all(`${I}/MeaUnits`)).toEqual(['台', '次']);
    expect(x.all(`${I}/Quantity`)).toEqual(['2', '1']);
    expect(x.all(`${I}/UnPrice`)).toEqual(['4000', '2000']);
    expect(x.all(`${I}/Amount`)).toEqual(['8000.00', '2000.00']);
    expect(x.all(`${I}/TaxRate`)).toEqual(['0.13', '0.06']);
    expect(x.all(`${I}/ComTaxAm`)).toEqual(['1040.00', '120.00']);
    expect(x.all(`${I}/TotaltaxIncludedAmount`)).toEqual(['9040.00', '2120.00']);
    expect(x.all(`${I}/TaxClassificationCode`)).toEqual(['1090511030000000000', '3040201000000000000']);
    expect(x.all(`${I}/PreferentialPolicyMark`)).toEqual(['', '']);
    expect(x.all(`${I}/SpecialVATManagement`)).toEqual(['', '']);
    // Totals are the sums of the lines.
    const sum = (p: string) => formatMoney(x.all(p).reduce((s, v) => s + parseMoney(v), 0n));
    expect(sum(`${I}/Amount`)).toBe(x.value(`${B}/TotalAmWithoutTax`));
    expect(sum(`${I}/ComTaxAm`)).toBe(x.value(`${B}/TotalTaxAm`));
    expect(sum(`${I}/TotaltaxIncludedAmount`)).toBe(x.value(`${B}/TotalTax-includedAmount`));

    expect(x.value('EInvoice/SellerAuthentication/AuthenticationMethods')).toBe('02');
    expect(x.value(`${T}/InvoiceNumber`)).toBe('24442000000036916313');
    expect(x.value(`${T}/IssueTime`)).toBe('2024-03-01');
    expect(x.value(`${T}/TaxBureauCode`)).toBe('14400000000');
    expect(x.value(`${T}/TaxBureauName`)).toBe('国家税务总局广东省税务局');
  });

  it('ordinary, small-scale seller in Henan, natural-person buyer with an e-mail', () => {
    const x = parse(invoiceXml(naturalPerson, { sellerProvince: '41', sellerTaxpayerType: 'small_scale', redConfirmationNumber: null }));
    expect(x.value(`${H}/EInvoiceTag`)).toBe('SWEI4100');
    expect([x.value(`${H}/InherentLabel/GeneralOrSpecialVAT/LabelCode`), x.value(`${H}/InherentLabel/GeneralOrSpecialVAT/LabelName`)]).toEqual([
      '02',
      '普通发票',
    ]);
    expect([x.value(`${H}/InherentLabel/TaxpayerType/LabelCode`), x.value(`${H}/InherentLabel/TaxpayerType/LabelName`)]).toEqual(['2', '小规模纳税人']);
    expect([
      x.value(`${H}/UndefinedLabel/Label/LabelType`),
      x.value(`${H}/UndefinedLabel/Label/LabelCode`),
      x.value(`${H}/UndefinedLabel/Label/LabelName`),
    ]).toEqual(['自然人标签', 'Y', '开票给自然人']);
    expect(x.value('EInvoice/EInvoiceData/BuyerInformation/BuyerIdNum')).toBe('');
    expect(x.value('EInvoice/EInvoiceData/BuyerInformation/BuyerName')).toBe('张三');
    expect(x.value('EInvoice/EInvoiceData/BuyerInformation/BuyerHandlingName')).toBe(''); // none: empty
    expect(x.value(`${I}/TaxRate`)).toBe('0.03');
    expect(x.value(`${I}/TotaltaxIncludedAmount`)).toBe('309.00');
    expect(x.value(`${B}/TotalTax-includedAmountInChinese`)).toBe('叁佰零玖圆整');
    expect(x.value('EInvoice/EInvoiceData/AdditionalInformation/Additional/Information')).toBe('购买方邮箱');
    expect(x.value('EInvoice/EInvoiceData/AdditionalInformation/Additional/InformationValue')).toBe('zhangsan@example.com');
    expect(x.value(`${T}/TaxBureauCode`)).toBe('14100000000');
    expect(x.value(`${T}/TaxBureauName`)).toBe('国家税务总局河南省税务局');
  });

  it('red: label N, negative amounts as printed, （负数） words, the blue number and the slip number', () => {
    const x = parse(invoiceXml(red, redContext));
    expect([x.value(`${H}/InherentLabel/InIssuType/LabelCode`), x.value(`${H}/InherentLabel/InIssuType/LabelName`)]).toEqual(['N', '红字发票']);
    expect(x.value(`${H}/EIid`)).toBe('24442000000036916999');
    expect(x.value(`${B}/TotalAmWithoutTax`)).toBe('-10000.00');
    expect(x.value(`${B}/TotalTaxAm`)).toBe('-1300.00');
    expect(x.value(`${B}/TotalTax-includedAmount`)).toBe('-11300.00');
    expect(x.value(`${B}/TotalTax-includedAmountInChinese`)).toBe('（负数）壹万壹仟叁佰圆整');
    expect(x.value(`${I}/Quantity`)).toBe('-2.5');
    expect(x.value(`${I}/UnPrice`)).toBe('4000');
    expect(x.value(`${I}/Amount`)).toBe('-10000.00');
    expect(x.value(`${I}/ComTaxAm`)).toBe('-1300.00');
    expect(x.value(`${I}/TotaltaxIncludedAmount`)).toBe('-11300.00');
    expect(x.value(`${SPECIFIC}/RedEInvoice/OriginalInvoiceCode`)).toBe('24442000000036916313');
    expect(x.value(`${SPECIFIC}/RedEInvoice/CreditNoteNumber`)).toBe('44010824091002615708');
    expect(x.value('EInvoice/EInvoiceData/AdditionalInformation/Remark')).toBe(
      '被红冲蓝字数电票号码：24442000000036916313 红字发票信息确认单编号：44010824091002615708',
    );
    expect(x.value(`${T}/InvoiceNumber`)).toBe('24442000000036916999');
  });

  it('line totals of a red with fen: -0.05 + -0.01 = -0.06', () => {
    const inv = invoice([line(1, { categoryShortName: 'a', itemName: 'b', amount: '-0.05', taxRate: '0.13', taxAmount: '-0.01' })], {
      color: 'red',
      blueInvoiceNumber: '24442000000036916313',
    });
    expect(parse(invoiceXml(inv, redContext)).value(`${I}/TotaltaxIncludedAmount`)).toBe('-0.06');
  });

  it('03 建筑服务: label and fields', () => {
    const x = parse(invoiceXml(construction, GD));
    expect([
      x.value(`${H}/UndefinedLabel/Label/LabelType`),
      x.value(`${H}/UndefinedLabel/Label/LabelCode`),
      x.value(`${H}/UndefinedLabel/Label/LabelName`),
    ]).toEqual(['特定业务标签', '03', '建筑服务']);
    const C = `${SPECIFIC}/Construction`;
    expect(['ServiceLocation', 'ProjectName', 'CrossCityFlag', 'LandVatProjectNumber'].map((n) => x.value(`${C}/${n}`))).toEqual([
      '广东省广州市天河区',
      '天河某写字楼装修工程',
      'Y',
      'TD2024001',
    ]);
    const without = { ...construction, specificBusiness: { type: '03', location: 'l', projectName: 'p', crossCity: false } };
    const y = parse(invoiceXml(without, GD));
    expect([y.value(`${C}/CrossCityFlag`), y.value(`${C}/LandVatProjectNumber`)]).toEqual(['N', '']);
  });

  it('04 货物运输服务: one TransportLeg per leg, in order', () => {
    const x = parse(invoiceXml(transport, GD));
    expect([x.value(`${H}/UndefinedLabel/Label/LabelCode`), x.value(`${H}/UndefinedLabel/Label/LabelName`)]).toEqual(['04', '货物运输服务']);
    const L = `${SPECIFIC}/GoodsTransport/TransportLeg`;
    expect(x.all(`${L}/TransportType`)).toEqual(['公路运输', '铁路运输']);
    expect(x.all(`${L}/PlateNumber`)).toEqual(['粤A12345', 'K1234']);
    expect(x.all(`${L}/Origin`)).toEqual(['广州', '长沙']);
    expect(x.all(`${L}/Destination`)).toEqual(['长沙', '郑州']);
    expect(x.all(`${L}/GoodsName`)).toEqual(['电脑', '电脑配件']);
  });

  it('06 不动产经营租赁: label and fields', () => {
    const x = parse(invoiceXml(lease, GD));
    expect([x.value(`${H}/UndefinedLabel/Label/LabelCode`), x.value(`${H}/UndefinedLabel/Label/LabelName`)]).toEqual(['06', '不动产经营租赁服务']);
    const R = `${SPECIFIC}/RealEstateLease`;
    expect(['PropertyCertificateNumber', 'PropertyAddress', 'LeaseStart', 'LeaseEnd', 'CrossCityFlag', 'AreaUnit'].map((n) => x.value(`${R}/${n}`))).toEqual([
      '粤(2023)广州市不动产权第0000001号',
      '广州市越秀区中山路3号',
      '2024-01-01',
      '2024-12-31',
      'N',
      '平方米',
    ]);
  });

  it('免税 / 不征税 lines: TaxRate 0, zero tax, and the preferential-policy mark; a taxed 0% line has none', () => {
    const x = parse(invoiceXml(taxFree, GD));
    expect(x.all(`${I}/TaxRate`)).toEqual(['0', '0', '0']);
    expect(x.all(`${I}/ComTaxAm`)).toEqual(['0.00', '0.00', '0.00']);
    expect(x.all(`${I}/TotaltaxIncludedAmount`)).toEqual(['3500.00', '500.00', '100.00']);
    expect(x.all(`${I}/PreferentialPolicyMark`)).toEqual(['03', '04', '']);
    expect(x.all(`${I}/SpecialVATManagement`)).toEqual(['免税', '不征税', '']);
    expect(x.all(`${I}/UnPrice`)).toEqual(['3.5', '', '']);
    expect(x.value(`${B}/TotalTaxAm`)).toBe('0.00');
    expect(x.value(`${B}/TotalTax-includedAmountInChinese`)).toBe('肆仟壹佰圆整');
  });

  it('paper medium: a 发票载体 label', () => {
    const x = parse(invoiceXml({ ...blueSpecial, medium: 'paper' }, GD));
    expect([
      x.value(`${H}/UndefinedLabel/Label/LabelType`),
      x.value(`${H}/UndefinedLabel/Label/LabelCode`),
      x.value(`${H}/UndefinedLabel/Label/LabelName`),
    ]).toEqual(['发票载体标签', '02', '纸质发票']);
  });

  it('refuses an unknown province', () => {
    expect(() => invoiceXml(blueSpecial, { ...GD, sellerProvince: '81' })).toThrow(/province/);
  });
});

describe('XML data file: hostile text', () => {
  it('escapeXml (the one escaper) drops exactly the characters XML 1.0 forbids', () => {
    const illegal = ['\u0000', '\u0001', '\u0008', '\u000B', '\u000C', '\u000E', '\u001F', '\uFFFE', '\uFFFF', '\uD800', '\uDBFF', '\uDC00', '\uDFFF'];
    for (const c of illegal) expect(escapeXml(`a${c}b`)).toBe('ab');
    const kept = [' ', '\u007F', '\u0085', '\u00A0', '\uD7FF', '\uE000', '\uFFFD', '\uD800\uDC00', '\uDBFF\uDFFF', '😀'];
    for (const c of kept) expect(escapeXml(`a${c}b`)).toBe(`a${c}b`);
    expect(escapeXml('\uDC00\uD800')).toBe(''); // reversed pair: two lone surrogates
    expect(escapeXml('\uD800\uD800\uDC00')).toBe('\uD800\uDC00'); // a lone high surrogate before a pair
    expect(escapeXml('x\uD800')).toBe('x'); // at the end
    expect(escapeXml('\uDC00x')).toBe('x'); // at the start
    expect(escapeXml('纯中文')).toBe('纯中文');
    // The global regex keeps no state between calls.
    for (let i = 0; i < 3; i++) expect(escapeXml('a\u0001b')).toBe('ab');
  });

  it('escapeXml escapes markup, quotes and tab/LF/CR, and nothing is left to close an element', () => {
    expect(escapeXml('a<b>&c\r\n\t"\'')).toBe('a&lt;b&gt;&amp;c&#13;&#10;&#9;&quot;&apos;');
    expect(escapeXml('</EInvoice>]]>')).toBe('&lt;/EInvoice&gt;]]&gt;');
    expect(escapeXml('&amp;')).toBe('&amp;amp;');
  });

  // xmlbuilder2 4.0.3's parser decodes a character reference a second time after &amp; (it reads
  // `&amp;#x41;` as "A", not "&#x41;"), so text that looks like a character reference is checked
  // with libxml2 (HOSTILE) and everything else with both parsers (HOSTILE_TEXT).
  const HOSTILE_TEXT = '恶意<&>"\'\u0001\u0008\u000B\u000C\u001F\uFFFE\uFFFF\uD800 </EInvoice>]]><!-- &amp; &lt; <![CDATA[x]]> \r\n\ttab 😀 \uDC00end';
  const HOSTILE = `${HOSTILE_TEXT} &#x1; &#65; &#x41;`;
  /** What XML 1.0 can carry of `s` (its forbidden characters removed), written independently of the escaper. */
  const clean = (s: string) =>
    s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');

  const hostileOf = (text: string) => {
    const base = invoice(
      [line(1, { categoryShortName: `类${text}`, itemName: text, spec: text, unit: text, amount: '100.00', taxRate: '0.09', taxAmount: '9.00' })],
      {
        seller: { ...blueSpecial.seller, name: text, address: text },
        buyer: { ...blueSpecial.buyer, name: text, email: text },
        remarks: text,
        drawer: text,
        specificBusiness: { type: '03', location: text, projectName: text, crossCity: false, landVatProjectNumber: text },
      },
    );
    return {
      '03': base,
      '04': {
        ...base,
        specificBusiness: { type: '04', transports: [{ transportType: text, plateNumber: text, origin: text, destination: text, goods: text }] },
      },
      '06': {
        ...base,
        specificBusiness: {
          type: '06',
          propertyCertificateNumber: text,
          propertyAddress: text,
          leaseStart: text,
          leaseEnd: text,
          crossCity: true,
          areaUnit: text,
        },
      },
    } as Record<'03' | '04' | '06', InvoiceView>;
  };
  const SPECIFIC_PATHS = { '03': CONSTRUCTION, '04': [...TRANSPORT, ...LEG], '06': LEASE };
  /** The paths that carry the hostile text: every leaf the test fed it to. */
  const hostilePaths = (type: '03' | '04' | '06') => {
    const D = 'EInvoice/EInvoiceData';
    const specific = SPECIFIC_PATHS[type];
    return [
      `${D}/SellerInformation/SellerName`,
      `${D}/SellerInformation/SellerAddr`,
      `${D}/BuyerInformation/BuyerName`,
      `${D}/BasicInformation/Drawer`,
      `${D}/IssuItemInformation/SpecMod`,
      `${D}/IssuItemInformation/MeaUnits`,
      `${D}/AdditionalInformation/Remark`,
      `${D}/AdditionalInformation/Additional/InformationValue`,
      ...specific.filter((p) => !specific.some((q) => q.startsWith(`${p}/`)) && !p.endsWith('CrossCityFlag')),
    ];
  };

  it('xmlbuilder2 reads a character reference after &amp; twice (why HOSTILE goes to libxml2)', () => {
    expect(create('<a>&amp;#x41;</a>').root().node.textContent).toBe('A'); // should be "&#x41;"
    expect(invoiceXml(hostileOf(HOSTILE)['03'], GD)).toContain('&amp;#x1; &amp;#65; &amp;#x41;');
  });

  it('the sanitized text is what the test expects', () => {
    expect(clean(HOSTILE)).toBe('恶意<&>"\' </EInvoice>]]><!-- &amp; &lt; <![CDATA[x]]> \r\n\ttab 😀 end &#x1; &#65; &#x41;');
  });

  it.each(['03', '04', '06'] as const)('round-trips in names, remarks and %s fields (xmlbuilder2): same tree, values equal after sanitizing', (type) => {
    const xml = invoiceXml(hostileOf(HOSTILE_TEXT)[type], GD);
    const x = parse(xml);
    expect(x.paths).toEqual(golden({ labels: 1, lines: 1, specific: SPECIFIC_PATHS[type], additional: 1 }));
    expect(xml.match(/<\/EInvoice>/g)).toHaveLength(1);
    for (const p of hostilePaths(type)) expect([p, x.value(p)]).toEqual([p, clean(HOSTILE_TEXT)]);
    expect(x.value('EInvoice/EInvoiceData/IssuItemInformation/ItemName')).toBe(`*类${clean(HOSTILE_TEXT)}*${clean(HOSTILE_TEXT)}`);
    expect(x.value('EInvoice/EInvoiceData/BasicInformation/TotalTax-includedAmount')).toBe('109.00');
  });

  (hasXmllint ? it : it.skip).each(['03', '04', '06'] as const)(
    'round-trips in names, remarks and %s fields (libxml2): well-formed, same element count, values equal after sanitizing',
    (type) => {
      const xml = invoiceXml(hostileOf(HOSTILE)[type], GD);
      xmllint(xml);
      expect(xpath(xml, 'count(//*)')).toBe(String(golden({ labels: 1, lines: 1, specific: SPECIFIC_PATHS[type], additional: 1 }).length));
      for (const p of hostilePaths(type)) expect([p, xpath(xml, `/${p}`)]).toEqual([p, clean(HOSTILE)]);
      expect(xpath(xml, '/EInvoice/EInvoiceData/IssuItemInformation/ItemName')).toBe(`*类${clean(HOSTILE)}*${clean(HOSTILE)}`);
      expect(xpath(xml, '/EInvoice/EInvoiceData/BasicInformation/TotalTax-includedAmount')).toBe('109.00');
    },
  );
});

describe('XML data file: xmllint on every fixture', () => {
  (hasXmllint ? it : it.skip)('is well-formed XML 1.0', () => {
    for (const [inv, context] of [
      [blueSpecial, GD],
      [naturalPerson, { ...GD, sellerProvince: '41' }],
      [red, redContext],
      [construction, GD],
      [transport, GD],
      [lease, GD],
      [taxFree, GD],
    ] as [InvoiceView, XmlContext][]) {
      xmllint(invoiceXml(inv, context));
    }
  });
});

describe('XML data file: speed', () => {
  it('prints the median time of 1000 renders of a 5-line invoice', () => {
    const lines = Array.from({ length: 5 }, (_, i) =>
      line(i + 1, {
        categoryShortName: '计算机配套产品',
        itemName: `笔记本电脑 型号${i}`,
        spec: 'X1-2024',
        unit: '台',
        quantity: '2',
        unitPrice: '4000',
        amount: '8000.00',
        taxRate: '0.13',
        taxAmount: '1040.00',
      }),
    );
    const inv = invoice(lines, { remarks: '项目：某项目 合同号：HT-2024-001', buyer: { ...blueSpecial.buyer, email: 'buyer@example.com' } });
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (let i = 0; i < 200; i++) invoiceXml(inv, GD); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const start = process.hrtime.bigint();
      invoiceXml(inv, GD);
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }

    // For comparison: the same tree through xmlbuilder2's object API.
    const xml = invoiceXml(inv, GD);
    const doc = create(xml).root().node as unknown as Node;
    const viaXmlbuilder2 = () => {
      const out = create({ version: '1.0', encoding: 'UTF-8' });
      const build = (parent: ReturnType<typeof create>, node: Node) => {
        const child = parent.ele(node.nodeName);
        const elements = Array.from(node.childNodes).filter((c) => c.nodeType === 1);
        if (elements.length) elements.forEach((c) => build(child, c));
        else if (node.textContent) child.txt(node.textContent);
      };
      build(out, doc);
      return out.end({ prettyPrint: false });
    };
    // Same document, bar the empty-element spelling (xmlbuilder2 writes <X/>).
    expect(viaXmlbuilder2()).toBe(xml.replace(/<([A-Za-z-]+)><\/\1>/g, '<$1/>'));
    for (let i = 0; i < 50; i++) viaXmlbuilder2();
    const builderSamples: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const start = process.hrtime.bigint();
      viaXmlbuilder2();
      builderSamples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    console.log(
      `invoiceXml, 5-line invoice (${xml.length} chars, ${parse(xml).paths.length} elements): median ${median(samples).toFixed(4)} ms over 1000 renders` +
        ` (xmlbuilder2 object API, same tree: median ${median(builderSamples).toFixed(4)} ms)`,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Tax breadth (SPEC section 2 and 8): 发票行性质, 05 不动产销售, 09 旅客运输 and 差额征税.

describe('XML data file: discount lines, 05, 09 and 差额征税 (SPEC sections 2 and 8)', () => {
  const SALE = [
    `${SPECIFIC}/RealEstateSale`,
    ...[
      'PropertyAddress',
      'PropertyCertificateNumber',
      'CrossCityFlag',
      'RealEstateUnitCode',
      'OnlineContractFilingNumber',
      'LandVatProjectNumber',
      'AssessedTaxablePrice',
      'ActualTransactionAmount',
      'AreaUnit',
    ].map((n) => `${SPECIFIC}/RealEstateSale/${n}`),
  ];
  const PASSENGER = [
    `${SPECIFIC}/PassengerTransportation`,
    ...['Traveler', 'ValidIDNumber', 'TypeOfPassengerDocument', 'TravelDate', 'Departure', 'Destination', 'Grade', 'Vehicletype'].map(
      (n) => `${SPECIFIC}/PassengerTransportation/${n}`,
    ),
  ];
  const DIFF = (vouchers: number) => [
    `${SPECIFIC}/DifferentialTaxation`,
    ...['DifferentialTaxationType', 'DifferentialTaxationTypeName', 'DeductionAmount'].map((n) => `${SPECIFIC}/DifferentialTaxation/${n}`),
    ...times(vouchers, [
      `${SPECIFIC}/DifferentialTaxation/DeductionVoucher`,
      ...['VoucherType', 'VoucherNumber', 'VoucherDate', 'VoucherAmount'].map((n) => `${SPECIFIC}/DifferentialTaxation/DeductionVoucher/${n}`),
    ]),
  ];

  it("writes each line's 发票行性质: 2 for the discounted line, 1 for its discount line, 0 otherwise", () => {
    const discounted = invoice([
      { ...laptop, lineNature: 'discounted' },
      line(2, {
        categoryShortName: '计算机配套产品',
        itemName: '笔记本电脑',
        amount: '-800.00',
        taxRate: '0.13',
        taxAmount: '-104.00',
        lineNature: 'discount',
      }),
      { ...maintenance, lineNo: 3 },
    ]);
    const x = parse(invoiceXml(discounted, GD));
    expect(x.paths).toEqual(golden({ labels: 0, lines: 3, additional: 0 }));
    expect(x.all('EInvoice/EInvoiceData/IssuItemInformation/InvoiceLineNature')).toEqual(['2', '1', '0']);
    expect(x.all('EInvoice/EInvoiceData/IssuItemInformation/Amount')).toEqual(['8000.00', '-800.00', '2000.00']);
  });

  it('05 不动产销售: RealEstateSale', () => {
    const sale = invoice([line(1, { categoryShortName: '不动产', itemName: '住宅', amount: '1000000.00', taxRate: '0.09', taxAmount: '90000.00' })], {
      specificBusiness: {
        type: '05',
        propertyAddress: '广州市越秀区中山路3号',
        crossCity: true,
        contractFilingNumber: 'WQ2024000123',
        assessedTaxPrice: '950000.00',
        areaUnit: '平方米',
      },
    });
    const x = parse(invoiceXml(sale, GD));
    expect(x.paths).toEqual(golden({ labels: 1, lines: 1, specific: SALE, additional: 0 }));
    expect(
      [
        'PropertyAddress',
        'CrossCityFlag',
        'RealEstateUnitCode',
        'OnlineContractFilingNumber',
        'AssessedTaxablePrice',
        'ActualTransactionAmount',
        'AreaUnit',
      ].map((n) => x.value(`${SPECIFIC}/RealEstateSale/${n}`)),
    ).toEqual(['广州市越秀区中山路3号', 'Y', '', 'WQ2024000123', '950000.00', '', '平方米']);
  });

  it("09 旅客运输: one PassengerTransportation per passenger, with the real files' element names", () => {
    const trip = invoice([line(1, { categoryShortName: '运输服务', itemName: '客运服务', amount: '1000.00', taxRate: '0.09', taxAmount: '90.00' })], {
      specificBusiness: {
        type: '09',
        passengers: [
          {
            traveler: '张三',
            idType: '居民身份证',
            idNumber: '440101199001010011',
            travelDate: '2024-03-01',
            departure: '广州',
            destination: '北京',
            grade: '经济舱',
            vehicleType: '飞机',
          },
          {
            traveler: '李四',
            idType: '护照',
            idNumber: 'E12345678',
            travelDate: '2024-03-02',
            departure: '广州',
            destination: '深圳',
            grade: '二等座',
            vehicleType: '火车',
          },
        ],
      },
    });
    const x = parse(invoiceXml(trip, GD));
    expect(x.paths).toEqual(golden({ labels: 1, lines: 1, specific: [...PASSENGER, ...PASSENGER], additional: 0 }));
    expect(x.all(`${SPECIFIC}/PassengerTransportation/Traveler`)).toEqual(['张三', '李四']);
    expect(x.all(`${SPECIFIC}/PassengerTransportation/ValidIDNumber`)).toEqual(['440101199001010011', 'E12345678']);
    expect(x.all(`${SPECIFIC}/PassengerTransportation/TypeOfPassengerDocument`)).toEqual(['居民身份证', '护照']);
    expect(x.all(`${SPECIFIC}/PassengerTransportation/Vehicletype`)).toEqual(['飞机', '火车']);
  });

  it("差额征税: DifferentialTaxation with the deduction and its vouchers; a red's negative deduction and no vouchers", () => {
    const vouchers = [
      { voucherType: '01', voucherNumber: '24442000000012345678', voucherDate: '2024-02-01', amount: '45000.00' },
      { voucherType: '08', voucherNumber: 'JD-2', voucherDate: '2024-02-02', amount: '15000.00' },
    ];
    const blue = invoice([line(1, { categoryShortName: '旅游服务', itemName: '旅游服务费', amount: '97735.85', taxRate: '0.06', taxAmount: '2264.15' })], {
      type: 'ordinary',
      differentialTaxation: { kind: '02', kindName: '差额开票', deductions: vouchers, deduction: '60000.00' },
    });
    const x = parse(invoiceXml(blue, GD));
    expect(x.paths).toEqual(golden({ labels: 0, lines: 1, specific: DIFF(2), additional: 0 }));
    expect([`${SPECIFIC}/DifferentialTaxation/DifferentialTaxationType`, `${SPECIFIC}/DifferentialTaxation/DeductionAmount`].map((p) => x.value(p))).toEqual([
      '02',
      '60000.00',
    ]);
    expect(x.all(`${SPECIFIC}/DifferentialTaxation/DeductionVoucher/VoucherAmount`)).toEqual(['45000.00', '15000.00']);
    const redOf = invoice([line(1, { categoryShortName: '旅游服务', itemName: '旅游服务费', amount: '-97735.85', taxRate: '0.06', taxAmount: '-2264.15' })], {
      ...red,
      lines: undefined as never,
      type: 'ordinary',
      differentialTaxation: { kind: '02', kindName: '差额开票', deductions: [], deduction: '-60000.00' },
    });
    const y = parse(
      invoiceXml(
        { ...redOf, lines: [line(1, { categoryShortName: '旅游服务', itemName: '旅游服务费', amount: '-97735.85', taxRate: '0.06', taxAmount: '-2264.15' })] },
        redContext,
      ),
    );
    expect(y.paths).toEqual(golden({ labels: 0, lines: 1, specific: [...DIFF(0), ...RED], additional: 0 }));
    expect(y.value(`${SPECIFIC}/DifferentialTaxation/DeductionAmount`)).toBe('-60000.00');
  });
});
