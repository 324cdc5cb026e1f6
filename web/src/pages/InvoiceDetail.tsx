import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Checkbox, Descriptions, Drawer, Form, Input, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { client, ok, rawFetch } from '../api/client';
import type { Invoice, Slip } from '../api/types';
import { ErrorAlert, Money, useNotify } from '../components/common';
import { beijing, COLORS, INVOICE_STATUSES, INVOICE_TYPES, label, MEDIA, RED_REASONS, SLIP_STATUSES, USAGE_PURPOSES } from '../lib/format';
import { IdempotencyKeeper } from '../lib/invoiceForm';
import { buildRedLines, REASON_RULES, reversible, type Reason, type RedLineInput } from '../lib/redRules';
import { useMe } from '../lib/session';

/** An invoice: its face on screen, the PDF / OFD / XML files, e-mail delivery, the buyer's usage
 * confirmation and accounting entry, and (for the seller of a blue invoice) 开具红字. */
export default function InvoiceDetail() {
  const { number = '' } = useParams();
  const me = useMe();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [redOpen, setRedOpen] = useState(false);
  const [purpose, setPurpose] = useState('deduction');
  const inv = useQuery({ queryKey: ['invoice', number], queryFn: () => ok<Invoice>(client.GET('/v1/invoices/{number}', { params: { path: { number } } })) });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['invoice', number] });

  const usage = useMutation({
    mutationFn: (purpose: string) =>
      ok(client.POST('/v1/invoices/{number}/usage-confirmation', { params: { path: { number } }, body: { purpose: purpose as never } })),
    onSuccess: () => {
      notify.ok('已完成用途确认');
      refresh();
    },
    onError: notify.fail,
  });
  const entry = useMutation({
    mutationFn: (entered: boolean) => ok(client.POST('/v1/invoices/{number}/accounting-entry', { params: { path: { number } }, body: { entered } })),
    onSuccess: (_d, entered) => {
      notify.ok(entered ? '已标记入账' : '已取消入账');
      refresh();
    },
    onError: notify.fail,
  });
  const send = useMutation({
    mutationFn: (to: string) => ok(client.POST('/v1/invoices/{number}/deliveries', { params: { path: { number } }, body: { channel: 'email', to } as never })),
    onSuccess: (_d, to) => notify.ok(`已发送至 ${to}`),
    onError: notify.fail,
  });

  if (inv.error) return <ErrorAlert error={inv.error} />;
  const i = inv.data;
  if (!i) return <Card loading />;
  const isSeller = me.taxpayerId === i.seller.taxId;
  const isBuyer = me.taxpayerId === i.buyer.taxId;

  return (
    <>
      <Typography.Title level={2}>发票详情</Typography.Title>
      <Space style={{ marginBottom: 16 }} wrap>
        <a href={`/v1/invoices/${i.number}/pdf`} target="_blank" rel="noreferrer">
          <Button>下载 PDF</Button>
        </a>
        <a href={`/v1/invoices/${i.number}/ofd`} download>
          <Button>下载 OFD</Button>
        </a>
        <a href={`/v1/invoices/${i.number}/xml`} download>
          <Button>下载 XML</Button>
        </a>
        {isSeller && i.color === 'blue' && i.status !== 'red_full' && i.status !== 'voided' && (
          <Button danger onClick={() => setRedOpen(true)}>
            开具红字
          </Button>
        )}
      </Space>
      <InvoiceFace invoice={i} />
      {i.redConfirmations?.length > 0 && (
        <Card title="红字确认单" size="small" style={{ marginTop: 16 }}>
          <Table
            size="small"
            rowKey="id"
            pagination={false}
            dataSource={i.redConfirmations}
            columns={[
              { title: '确认单编号', dataIndex: 'number' },
              { title: '原因', dataIndex: 'reason', render: (v: string) => label(RED_REASONS, v) },
              { title: '状态', dataIndex: 'status', render: (v: string) => label(SLIP_STATUSES, v) },
              { title: '金额', dataIndex: 'totalAmount', align: 'right', render: (v: string) => <Money value={v} /> },
              { title: '红字发票', dataIndex: 'redInvoiceNumber', render: (v: string | null) => (v ? <Link to={`/invoices/${v}`}>{v}</Link> : '') },
            ]}
          />
        </Card>
      )}
      <Space align="start" style={{ marginTop: 16 }} wrap>
        <Card title="发送邮件" size="small" style={{ width: 380 }}>
          <Form layout="inline" initialValues={{ to: i.buyer.email ?? '' }} onFinish={(v: { to: string }) => send.mutate(v.to.trim())}>
            <Form.Item name="to" label="邮箱" rules={[{ required: true, type: 'email', message: '邮箱格式不正确' }]}>
              <Input />
            </Form.Item>
            <Button htmlType="submit" loading={send.isPending}>
              发送
            </Button>
          </Form>
        </Card>
        {isBuyer && i.color === 'blue' && (
          <Card title="勾选与入账" size="small" style={{ width: 460 }}>
            <Space direction="vertical">
              <Space>
                <span>用途确认：</span>
                {i.usage ? <Tag color="green">{label(USAGE_PURPOSES, i.usage)}</Tag> : <Tag>未确认</Tag>}
                <Select
                  aria-label="用途"
                  style={{ width: 130 }}
                  defaultValue="deduction"
                  onChange={setPurpose}
                  options={Object.entries(USAGE_PURPOSES).map(([value, l]) => ({ value, label: l }))}
                />
                <Button onClick={() => usage.mutate(purpose)} loading={usage.isPending}>
                  确认用途
                </Button>
              </Space>
              <Space>
                <span>入账标识：</span>
                <Switch
                  aria-label="入账"
                  checked={i.accountingEntry === 'entered'}
                  loading={entry.isPending}
                  onChange={(v) => entry.mutate(v)}
                  checkedChildren="已入账"
                  unCheckedChildren="未入账"
                />
              </Space>
            </Space>
          </Card>
        )}
      </Space>
      {redOpen && <RedForm invoice={i} onClose={() => setRedOpen(false)} />}
    </>
  );
}

/** The invoice's summary and its real face: the service's PDF, fetched with the session (the
 * cookie; an <iframe> cannot send the CSRF or bearer header, and a cross-document load would
 * lose a 401 to the page) and shown from a blob: URL, which the console's CSP allows in frames
 * (frame-src 'self' blob:). The URL is released when the page leaves or the invoice changes. */
export function InvoiceFace({ invoice: i }: { invoice: Invoice }) {
  const pdf = useQuery({
    queryKey: ['invoice-pdf', i.number, i.status],
    staleTime: Infinity,
    gcTime: 0,
    queryFn: async () => (await rawFetch(`/v1/invoices/${i.number}/pdf`)).blob(),
  });
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!pdf.data) return;
    const u = URL.createObjectURL(pdf.data);
    setUrl(u);
    return () => {
      URL.revokeObjectURL(u);
      setUrl(null);
    };
  }, [pdf.data]);
  return (
    <section aria-label="发票票面">
      <Descriptions size="small" bordered column={3} className="invoice-summary" style={{ marginBottom: 12 }}>
        <Descriptions.Item label="发票号码">
          <span data-testid="invoice-number">{i.number}</span>
        </Descriptions.Item>
        <Descriptions.Item label="开票日期">{beijing(i.issuedAt)}</Descriptions.Item>
        <Descriptions.Item label="状态">
          {label(INVOICE_STATUSES, i.status)} {i.color === 'red' && <Tag color="red">红字</Tag>}
        </Descriptions.Item>
        <Descriptions.Item label="发票类型">
          {label(INVOICE_TYPES, i.type)} · {label(MEDIA, i.medium)} · {label(COLORS, i.color)}
        </Descriptions.Item>
        <Descriptions.Item label="购买方">
          {i.buyer.name}（{i.buyer.taxId}）
        </Descriptions.Item>
        <Descriptions.Item label="销售方">
          {i.seller.name}（{i.seller.taxId}）
        </Descriptions.Item>
        <Descriptions.Item label="价税合计">
          ¥<Money value={i.totalWithTax} strong />（{i.totalWithTaxInWords}）
        </Descriptions.Item>
        {i.blueInvoiceNumber && (
          <Descriptions.Item label="被红冲蓝字发票号码">
            <Link to={`/invoices/${i.blueInvoiceNumber}`}>{i.blueInvoiceNumber}</Link>
          </Descriptions.Item>
        )}
      </Descriptions>
      <ErrorAlert error={pdf.error} />
      {url ? (
        <iframe className="invoice-pdf" src={url} title={`发票 ${i.number} 的 PDF 票面`} data-testid="invoice-pdf" />
      ) : (
        !pdf.error && <Card loading className="invoice-pdf" />
      )}
    </section>
  );
}

/** 开具红字: the reason, full or per line with what each line still allows, then the slip. */
function RedForm({ invoice, onClose }: { invoice: Invoice; onClose: () => void }) {
  const navigate = useNavigate();
  const notify = useNotify();
  const keeper = useRef(new IdempotencyKeeper());
  const [reason, setReason] = useState<Reason>('02');
  const [full, setFull] = useState(false);
  const [inputs, setInputs] = useState<Record<number, RedLineInput>>({});
  const [error, setError] = useState<unknown>(null);
  const rule = REASON_RULES[reason];
  const slips = useQuery({
    queryKey: ['invoice-slips', invoice.number, invoice.redConfirmations.map((s) => s.id + s.status).join()],
    queryFn: () => Promise.all(invoice.redConfirmations.map((s) => ok<Slip>(client.GET('/v1/red-confirmations/{id}', { params: { path: { id: s.id } } })))),
  });
  const blue = invoice.lines.map((l) => ({
    lineNo: l.lineNo,
    name: l.name,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    amount: l.amount,
    taxAmount: l.taxAmount,
    taxRate: l.taxRate,
  }));
  const left = reversible(blue, slips.data ?? []);
  const built = buildRedLines(reason, blue, left, Object.values(inputs));
  const wholeInvoice = rule.fullOnly || full;
  const lineError = (n: number, f: 'quantity' | 'amount') => built.errors.find((e) => e.blueLineNo === n && e.field === f)?.message;

  const create = useMutation({
    mutationFn: () => {
      const body = { blueInvoiceNumber: invoice.number, reason, ...(wholeInvoice ? {} : { lines: built.lines }) };
      return ok<Slip>(client.POST('/v1/red-confirmations', { body: body as never, headers: { 'Idempotency-Key': keeper.current.keyFor(body) } }));
    },
    onSuccess: (slip) => {
      notify.ok(`已提交红字确认单 ${slip.number}（${label(SLIP_STATUSES, slip.status)}）`);
      navigate('/slips');
    },
    onError: setError,
  });
  const set = (n: number, patch: Partial<RedLineInput>) => setInputs({ ...inputs, [n]: { ...(inputs[n] ?? { blueLineNo: n }), ...patch } });
  const canSubmit = wholeInvoice || (built.lines.length > 0 && built.errors.length === 0);

  return (
    <Drawer
      open
      title={`开具红字：蓝字发票 ${invoice.number}`}
      width={900}
      onClose={onClose}
      extra={
        <Button type="primary" danger disabled={!canSubmit} loading={create.isPending} onClick={() => create.mutate()}>
          提交红字确认单
        </Button>
      }
    >
      <Form layout="vertical">
        <Form.Item label="红冲原因" htmlFor="red-reason">
          <Select
            id="red-reason"
            value={reason}
            onChange={(v) => {
              setReason(v);
              setInputs({});
            }}
            options={Object.entries(RED_REASONS).map(([value, l]) => ({ value, label: `${value} ${l}` }))}
          />
        </Form.Item>
        <Alert type="info" showIcon message={rule.hint} style={{ marginBottom: 16 }} />
        {!rule.fullOnly && (
          <Checkbox checked={full} onChange={(e) => setFull(e.target.checked)} style={{ marginBottom: 16 }}>
            全额红冲
          </Checkbox>
        )}
      </Form>
      <ErrorAlert error={error ?? slips.error} />
      <Table
        size="small"
        rowKey="lineNo"
        pagination={false}
        dataSource={invoice.lines.map((l, k) => ({ ...l, left: left[k] }))}
        columns={[
          { title: '行', dataIndex: 'lineNo', width: 40 },
          { title: '项目名称', dataIndex: 'name' },
          { title: '数量', dataIndex: 'quantity' },
          { title: '单价', dataIndex: 'unitPrice' },
          { title: '金额', dataIndex: 'amount', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: '可冲减金额', align: 'right', render: (_: unknown, r) => <Money value={r.left.amount} /> },
          { title: '可退数量', render: (_: unknown, r) => r.left.quantity ?? '—' },
          ...(wholeInvoice
            ? []
            : [
                ...(rule.quantity !== 'forbidden'
                  ? [
                      {
                        title: rule.quantity === 'required' ? '退回数量' : '数量（可选）',
                        render: (_: unknown, r: { lineNo: number; quantity: string | null }) => (
                          <Form.Item
                            validateStatus={lineError(r.lineNo, 'quantity') ? 'error' : ''}
                            help={lineError(r.lineNo, 'quantity')}
                            style={{ margin: 0 }}
                          >
                            <Input
                              aria-label={`第 ${r.lineNo} 行退回数量`}
                              disabled={r.quantity === null}
                              value={inputs[r.lineNo]?.quantity ?? ''}
                              onChange={(e) => set(r.lineNo, { quantity: e.target.value })}
                            />
                          </Form.Item>
                        ),
                      },
                    ]
                  : []),
                {
                  title: '冲减金额',
                  render: (_: unknown, r: { lineNo: number }) => {
                    const auto = built.lines.find((l) => l.blueLineNo === r.lineNo);
                    return (
                      <Form.Item validateStatus={lineError(r.lineNo, 'amount') ? 'error' : ''} help={lineError(r.lineNo, 'amount')} style={{ margin: 0 }}>
                        <Input
                          aria-label={`第 ${r.lineNo} 行冲减金额`}
                          value={inputs[r.lineNo]?.amount ?? ''}
                          placeholder={auto ? auto.amount.replace('-', '') : ''}
                          onChange={(e) => set(r.lineNo, { amount: e.target.value })}
                        />
                      </Form.Item>
                    );
                  },
                },
              ]),
        ]}
      />
      {!wholeInvoice && built.lines.length > 0 && (
        <Typography.Paragraph style={{ marginTop: 16 }}>
          本次红冲：{built.lines.map((l) => `第 ${l.blueLineNo} 行 ${l.quantity ? `数量 ${l.quantity}，` : ''}金额 ${l.amount}`).join('；')}
        </Typography.Paragraph>
      )}
    </Drawer>
  );
}
