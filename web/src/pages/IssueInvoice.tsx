import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { Alert, AutoComplete, Button, Card, Col, Descriptions, Form, Input, Radio, Result, Row, Select, Space, Switch, Typography } from 'antd';
import { loose, client, ok } from '../api/client';
import type { Counterparty, Invoice, Preview, TaxClass } from '../api/types';
import { ErrorAlert, Money, errorText } from '../components/common';
import { IdempotencyKeeper, isFormField, placeErrors, previewable, toIssueBody, toPreviewBody, type InvoiceFormValues } from '../lib/invoiceForm';
import { specificBusinessErrors } from '../lib/specificBusiness';
import { SpecificBusinessCard } from '../components/SpecificBusinessCard';
import { ApiError } from '../lib/problems';
import { rateLabel, TAX_RATES } from '../lib/format';

const EMPTY_LINE = { taxRate: '0.13' };

/** "Required" as a validator: a `required` rule makes Ant Design put aria-required on the
 * Select/AutoComplete wrapper, which has no role (axe: aria-allowed-attr). */
const present = (message: string) => ({
  validator: (_: unknown, v: unknown) => (v !== undefined && v !== null && String(v).trim() !== '' ? Promise.resolve() : Promise.reject(new Error(message))),
});

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** 开具发票: the form, the service's live preview (totals, tax, 价税合计 and its capital words),
 * field errors at their fields, and one Idempotency-Key per form content. */
export default function IssueInvoice() {
  const [form] = Form.useForm<InvoiceFormValues>();
  const keeper = useRef(new IdempotencyKeeper());
  const inFlight = useRef<Promise<void> | null>(null);
  const [issued, setIssued] = useState<Invoice | null>(null);
  const [submitError, setSubmitError] = useState<unknown>(null);
  const [otherErrors, setOtherErrors] = useState<{ field: string; message: string }[]>([]);
  const [busy, setBusy] = useState(false);
  const values = Form.useWatch([], form) as InvoiceFormValues | undefined;

  const body = useMemo(() => (values ? toPreviewBody(values) : null), [values]);
  const debounced = useDebounced(body && previewable(body) ? JSON.stringify(body) : null, 350);
  const preview = useQuery({
    queryKey: ['preview', debounced],
    enabled: debounced !== null,
    retry: false,
    placeholderData: (prev) => prev,
    queryFn: () => ok<Preview>(loose.POST('/v1/invoices/preview', { body: JSON.parse(debounced!) })),
  });

  const known = (path: (string | number)[]) => isFormField(path, (form.getFieldValue('lines') ?? []).length, form.getFieldValue('specificBusiness'));

  const showErrors = (e: unknown) => {
    if (e instanceof ApiError && e.problem.errors?.length) {
      const { atFields, elsewhere } = placeErrors(e.problem.errors, known);
      form.setFields(atFields.map((f) => ({ name: f.name as never, errors: f.errors })));
      setOtherErrors(elsewhere);
      setSubmitError(elsewhere.length || !atFields.length ? e : null);
      if (atFields.length) form.scrollToField(atFields[0].name as never);
    } else setSubmitError(e);
  };

  const submit = async () => {
    if (inFlight.current) return inFlight.current;
    const run = (async () => {
      setSubmitError(null);
      setOtherErrors([]);
      try {
        await form.validateFields();
      } catch {
        return;
      }
      const all = form.getFieldsValue(true) as InvoiceFormValues;
      // The 特定业务 rules across inputs (one of two codes, lease dates in order) before sending.
      const local = specificBusinessErrors(all.specificBusiness);
      if (local.length) {
        form.setFields(local.map((f) => ({ name: f.name as never, errors: f.errors })));
        form.scrollToField(local[0].name as never);
        return;
      }
      const payload = toIssueBody(all);
      setBusy(true);
      try {
        const key = keeper.current.keyFor(payload);
        const invoice = await ok<Invoice>(client.POST('/v1/invoices', { body: payload as never, headers: { 'Idempotency-Key': key } }));
        keeper.current.reset();
        setIssued(invoice);
      } catch (e) {
        showErrors(e);
      } finally {
        setBusy(false);
      }
    })();
    inFlight.current = run;
    try {
      await run;
    } finally {
      inFlight.current = null;
    }
  };

  if (issued) {
    return (
      <Result
        status="success"
        title="开具成功"
        subTitle={
          <span>
            发票号码 <strong data-testid="issued-number">{issued.number}</strong>，价税合计 <Money value={issued.totalWithTax} /> 元（
            {issued.totalWithTaxInWords}）
          </span>
        }
        extra={[
          <Link key="view" to={`/invoices/${issued.number}`}>
            <Button type="primary">查看发票</Button>
          </Link>,
          <Button
            key="again"
            onClick={() => {
              form.resetFields();
              setIssued(null);
            }}
          >
            继续开具
          </Button>,
        ]}
      />
    );
  }

  return (
    <>
      <Typography.Title level={2}>开具发票</Typography.Title>
      <Form
        form={form}
        layout="vertical"
        initialValues={{ type: 'special', medium: 'electronic', priceIncludesTax: false, lines: [{ ...EMPTY_LINE }] }}
        onFinish={() => void submit()}
        scrollToFirstError
      >
        <Card title="发票信息" size="small" style={{ marginBottom: 16 }}>
          <Row gutter={16}>
            <Col span={8}>
              <Form.Item label="发票类型" name="type">
                <Radio.Group
                  options={[
                    { value: 'special', label: '增值税专用发票' },
                    { value: 'ordinary', label: '普通发票' },
                  ]}
                  optionType="button"
                />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item label="介质" name="medium">
                <Radio.Group
                  options={[
                    { value: 'electronic', label: '电子' },
                    { value: 'paper', label: '纸质' },
                  ]}
                  optionType="button"
                />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item label="单价含税" name="priceIncludesTax" valuePropName="checked">
                <Switch checkedChildren="含税" unCheckedChildren="不含税" />
              </Form.Item>
            </Col>
          </Row>
        </Card>
        <BuyerCard form={form} />
        <Card title="项目信息" size="small" style={{ marginBottom: 16 }}>
          <Form.List name="lines">
            {(fields, { add, remove }) => (
              <>
                {fields.map((field, i) => (
                  <div key={field.key} className="line-row">
                    <Row gutter={8} align="bottom">
                      <Col span={1}>
                        <span className="line-no">{i + 1}</span>
                      </Col>
                      <Col span={5}>
                        <Form.Item label="项目名称" name={[field.name, 'name']} rules={[{ required: true, message: '请输入项目名称' }]}>
                          <Input />
                        </Form.Item>
                      </Col>
                      <Col span={6}>
                        <TaxCodeField form={form} index={field.name} />
                      </Col>
                      <Col span={3}>
                        <Form.Item label="商品和服务简称" name={[field.name, 'categoryShortName']}>
                          <Input />
                        </Form.Item>
                      </Col>
                      <Col span={3}>
                        <Form.Item label="规格型号" name={[field.name, 'spec']}>
                          <Input />
                        </Form.Item>
                      </Col>
                      <Col span={2}>
                        <Form.Item label="单位" name={[field.name, 'unit']}>
                          <Input />
                        </Form.Item>
                      </Col>
                      <Col span={4}>
                        <Button onClick={() => remove(field.name)} disabled={fields.length === 1} danger aria-label={`删除第 ${i + 1} 行`}>
                          删除
                        </Button>
                      </Col>
                    </Row>
                    <Row gutter={8}>
                      <Col span={1} />
                      <Col span={4}>
                        <Form.Item label="数量" name={[field.name, 'quantity']}>
                          <Input inputMode="decimal" />
                        </Form.Item>
                      </Col>
                      <Col span={4}>
                        <Form.Item label="单价" name={[field.name, 'unitPrice']}>
                          <Input inputMode="decimal" />
                        </Form.Item>
                      </Col>
                      <Col span={5}>
                        <Form.Item label="金额" name={[field.name, 'amount']} extra={autoAmountHint(values, i)}>
                          <Input inputMode="decimal" />
                        </Form.Item>
                      </Col>
                      <Col span={4}>
                        <Form.Item label="税率" name={[field.name, 'taxRate']} rules={[present('请选择税率')]}>
                          <Select options={TAX_RATES.map((r) => ({ value: r, label: rateLabel(r) }))} />
                        </Form.Item>
                      </Col>
                      <Col span={5}>
                        <Form.Item label="税额">
                          <Input
                            readOnly
                            value={preview.data?.lines?.filter((l) => l.lineNature !== 'discount')[i]?.taxAmount ?? ''}
                            aria-label={`第 ${i + 1} 行税额（预览）`}
                          />
                        </Form.Item>
                      </Col>
                    </Row>
                  </div>
                ))}
                <Button onClick={() => add({ ...EMPTY_LINE })}>增加一行</Button>
              </>
            )}
          </Form.List>
        </Card>
        <SpecificBusinessCard form={form} />
        <PreviewCard preview={preview.data} loading={preview.isFetching} error={preview.error} ready={debounced !== null} />
        <Card title="其他" size="small" style={{ marginBottom: 16 }}>
          <Row gutter={16}>
            <Col span={16}>
              <Form.Item label="备注" name="remarks">
                <Input.TextArea rows={2} maxLength={230} />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item label="开票人" name="drawer">
                <Input />
              </Form.Item>
            </Col>
          </Row>
        </Card>
        {otherErrors.length > 0 && (
          <Alert
            type="error"
            showIcon
            role="alert"
            style={{ marginBottom: 16 }}
            message="请修改以下内容"
            description={
              <ul>
                {otherErrors.map((e) => (
                  <li key={e.field + e.message}>
                    {e.field}：{e.message}
                  </li>
                ))}
              </ul>
            }
          />
        )}
        {submitError !== null && otherErrors.length === 0 && <ErrorAlert error={submitError} />}
        <Space>
          <Button type="primary" size="large" htmlType="submit" loading={busy}>
            开具
          </Button>
          <Typography.Text type="secondary">提交时附带一次性请求标识，重复点击或网络重试不会重复开具。</Typography.Text>
        </Space>
      </Form>
    </>
  );
}

function autoAmountHint(values: InvoiceFormValues | undefined, i: number): string | undefined {
  const l = values?.lines?.[i];
  if (!l || (l.amount ?? '').trim() !== '') return undefined;
  const a = (toIssueBody({ lines: [l] }).lines as { amount?: string }[])[0].amount;
  return a ? `按数量×单价：${a}` : undefined;
}

function PreviewCard({ preview, loading, error, ready }: { preview?: Preview; loading: boolean; error: unknown; ready: boolean }) {
  return (
    <Card title="价税合计（由服务计算）" size="small" style={{ marginBottom: 16 }} aria-live="polite" data-testid="preview">
      {!ready && <Typography.Text type="secondary">填写项目名称、金额（或数量和单价）与税率后显示合计。</Typography.Text>}
      {ready && error != null && (
        <Alert
          type="warning"
          showIcon
          message={errorText(error)}
          description={
            error instanceof ApiError && error.problem.errors?.length ? (
              <ul>
                {error.problem.errors.map((e) => (
                  <li key={e.field + e.message}>
                    {e.field}：{e.message}
                  </li>
                ))}
              </ul>
            ) : undefined
          }
        />
      )}
      {ready && preview && error == null && (
        <Descriptions column={4} size="small" bordered>
          <Descriptions.Item label="合计金额">
            <span data-testid="total-amount">
              <Money value={preview.totalAmount} />
            </span>
          </Descriptions.Item>
          <Descriptions.Item label="合计税额">
            <span data-testid="total-tax">
              <Money value={preview.totalTax} />
            </span>
          </Descriptions.Item>
          <Descriptions.Item label="价税合计（小写）">
            <span data-testid="total-with-tax">
              <Money value={preview.totalWithTax} strong />
            </span>
          </Descriptions.Item>
          <Descriptions.Item label="价税合计（大写）">
            <span data-testid="total-words">{preview.totalWithTaxInWords}</span>
          </Descriptions.Item>
        </Descriptions>
      )}
      {ready && loading && <Typography.Text type="secondary"> 计算中…</Typography.Text>}
    </Card>
  );
}

type FormInst = ReturnType<typeof Form.useForm<InvoiceFormValues>>[0];

/** Buyer: pick a known counterparty by name or tax id (GET /v1/counterparties), or type one. */
function BuyerCard({ form }: { form: FormInst }) {
  const [q, setQ] = useState('');
  const dq = useDebounced(q.trim(), 250);
  const found = useQuery({
    queryKey: ['counterparties', dq],
    enabled: dq.length >= 1,
    retry: false,
    queryFn: () => ok<{ items: Counterparty[] }>(loose.GET('/v1/counterparties', { params: { query: { q: dq } } })),
  });
  const options = (found.data?.items ?? []).map((c) => ({ value: c.taxId, label: `${c.name}（${c.taxId}）`, c }));
  const pick = (_v: string, o: { c: Counterparty }) => {
    const c = o.c;
    form.setFieldsValue({
      buyer: { taxId: c.taxId, name: c.name, address: c.address ?? '', phone: c.phone ?? '', bankName: c.bankName ?? '', bankAccount: c.bankAccount ?? '' },
    });
  };
  return (
    <Card title="购买方信息" size="small" style={{ marginBottom: 16 }}>
      <Row gutter={16}>
        <Col span={12}>
          <Form.Item label="购买方名称" name={['buyer', 'name']} rules={[present('请输入购买方名称')]}>
            <AutoComplete options={options} onSearch={setQ} onSelect={pick as never} placeholder="输入名称或纳税人识别号查找往来单位" />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item
            label="购买方纳税人识别号"
            name={['buyer', 'taxId']}
            rules={[{ pattern: /^[0-9A-Z]{15,20}$/, message: '统一社会信用代码为 18 位数字或大写字母' }]}
          >
            <AutoComplete options={options} onSearch={setQ} onSelect={pick as never} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item label="地址" name={['buyer', 'address']}>
            <Input />
          </Form.Item>
        </Col>
        <Col span={4}>
          <Form.Item label="电话" name={['buyer', 'phone']}>
            <Input />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item label="开户银行" name={['buyer', 'bankName']}>
            <Input />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item label="银行账号" name={['buyer', 'bankAccount']}>
            <Input />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item label="电子邮箱（交付）" name={['buyer', 'email']} rules={[{ type: 'email', message: '邮箱格式不正确' }]}>
            <Input />
          </Form.Item>
        </Col>
      </Row>
    </Card>
  );
}

/** 税收分类编码 with the category short name (GET /v1/tax-classifications, a curated subset). */
function TaxCodeField({ form, index }: { form: FormInst; index: number }) {
  const [q, setQ] = useState('');
  const dq = useDebounced(q.trim(), 250);
  const found = useQuery({
    queryKey: ['tax-classifications', dq],
    enabled: dq.length >= 1,
    retry: false,
    queryFn: () => ok<{ items: TaxClass[] }>(loose.GET('/v1/tax-classifications', { params: { query: { q: dq } } })),
  });
  const options = (found.data?.items ?? []).map((t) => ({ value: t.code, label: `${t.code} ${t.shortName}｜${t.name}`, t }));
  return (
    <Form.Item
      label="税收分类编码"
      name={[index, 'taxClassificationCode']}
      rules={[present('请输入税收分类编码'), { pattern: /^\d{19}$/, message: '19 位数字' }]}
    >
      <AutoComplete
        options={options}
        onSearch={setQ}
        onSelect={
          ((_v: string, o: { t: TaxClass }) => {
            const lines = [...(form.getFieldValue('lines') ?? [])];
            lines[index] = { ...lines[index], taxClassificationCode: o.t.code, categoryShortName: o.t.shortName };
            form.setFieldsValue({ lines });
          }) as never
        }
        placeholder="输入编码或名称查找"
      />
    </Form.Item>
  );
}
