/**
 * Rendering figures for npm run bench: median time per 5-line invoice for XML, OFD and PDF, and
 * the PDF's size (issue 5 budgets: XML < 1 ms, OFD < 5 ms, PDF < 20 ms and < 100 KB).
 */
import { createHash } from 'node:crypto';
import type { InvoiceReadModel } from '../../src/invoices/invoice-read-model';
import { layoutInvoice } from '../../src/rendering/face';
import { faceFont } from '../../src/rendering/font';
import { paintOfd } from '../../src/rendering/ofd';
import { paintPdf } from '../../src/rendering/pdf';
import { invoiceXml } from '../../src/rendering/xml';
import { generateSm2KeyPair, signXml } from '../../src/rendering/xml-signature';

const ITEMS = ['笔记本电脑', '显示器', '机械键盘', '无线鼠标', '扩展坞'];

/** A blue special invoice of `lines` lines as the renderers read it (money in fen). */
export function sampleInvoice(lines = 5): InvoiceReadModel {
  const l = Array.from({ length: lines }, (_, i) => ({
    lineNo: i + 1,
    name: `*计算机*${ITEMS[i % ITEMS.length]}`,
    itemName: ITEMS[i % ITEMS.length],
    categoryShortName: '计算机',
    taxClassificationCode: '1090511030000000000',
    spec: `型号${i + 1}`,
    unit: '台',
    quantity: '2',
    unitPrice: '5000',
    amount: 1_000_000n,
    taxRate: '0.13' as const,
    taxAmount: 130_000n,
    preferentialPolicy: null,
    lineNature: '0' as const,
  }));
  const n = BigInt(lines);
  return {
    number: '26222000000000000001',
    type: 'special',
    medium: 'electronic',
    status: 'issued',
    issuedAt: new Date('2026-11-20T09:00:00+08:00'),
    seller: {
      taxId: '91220100MA10280014',
      name: '吉林某某科技有限公司',
      address: '长春市南关区人民大街1号',
      phone: '0431-88888888',
      bankName: '中国工商银行长春分行',
      bankAccount: '4200000000000000000',
    },
    buyer: {
      taxId: '91410100MA1028002G',
      name: '河南某某贸易有限公司',
      address: '郑州市金水区花园路1号',
      phone: '0371-66666666',
      bankName: '中国银行郑州分行',
      bankAccount: '6200000000000000001',
      email: null,
      handlingName: null,
    },
    priceIncludesTax: false,
    lines: l,
    totalAmount: n * 1_000_000n,
    totalTax: n * 130_000n,
    totalWithTax: n * 1_130_000n,
    remarks: '合同号 HT-2026-1120',
    drawer: '张三',
    specificBusiness: null,
    differential: null,
    red: null,
  };
}

async function median(n: number, work: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(20, n); i++) await work();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await work();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}

export async function renderBench(): Promise<void> {
  const view = sampleInvoice(5);
  const font = faceFont();
  const context = { sellerProvince: '22', sellerTaxpayerType: 'general' as const };
  const xml = invoiceXml(view, context);
  const ofd = () => {
    const face = layoutInvoice(view);
    return paintOfd(face, {
      font: { fontName: font.postscriptName, familyName: font.familyName, file: null },
      attachments: [{ id: 'xml_data', name: 'xml', fileName: `${view.number}.xml`, format: 'xml', data: Buffer.from(xml) }],
      creationDate: '2026-11-20',
      docId: createHash('md5').update(view.number).digest('hex'),
    });
  };
  const pdf = () => paintPdf(layoutInvoice(view), font);
  const x = await median(2000, () => invoiceXml(view, context));
  const o = await median(200, ofd);
  const p = await median(100, pdf);
  const size = (await pdf()).length;
  // The platform's SM2 signature (issue 13): once per invoice, at its first render, not when issuing.
  const key = generateSm2KeyPair();
  const unsigned = invoiceXml(view, { ...context, signature: { keyId: 'sm2-bench', time: new Date() } });
  const sign = await median(200, () => signXml(unsigned, key.privateKeyHex));
  console.log('\nrendering, median per invoice of 5 lines (budget)');
  console.log(`  XML  ${x.toFixed(3).padStart(8)} ms   (< 1 ms)`);
  console.log(`  SM2  ${sign.toFixed(3).padStart(8)} ms   signing the XML (sm-crypto-v2), once per invoice at its first render`);
  console.log(`  OFD  ${o.toFixed(3).padStart(8)} ms   (< 5 ms)   ${ofd().length} bytes`);
  console.log(`  PDF  ${p.toFixed(3).padStart(8)} ms   (< 20 ms)  ${size} bytes (< 100 KB)`);
}

if (require.main === module) void renderBench();
