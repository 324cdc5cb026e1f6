import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Col, Form, Input, Row, Typography } from 'antd';
import { client, newKey, ok } from '../api/client';
import { QuotaPanel } from '../components/QuotaPanel';
import { useNotify } from '../components/common';
import { useMe } from '../lib/session';
import { beijingMonth, money } from '../lib/format';

/** The seller's home: this month's quota and why, the usage chart, the ledger; record the VAT
 * filing, apply for a new total, lodge an objection. */
export function Home() {
  const me = useMe();
  const taxId = me.taxpayerId!;
  const notify = useNotify();
  const queryClient = useQueryClient();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['quota', taxId] });
  const [filingForm] = Form.useForm();
  const [applyForm] = Form.useForm();
  const [objectForm] = Form.useForm();
  const [lastMonth] = useState(() => {
    const d = new Date();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() - 1);
    return beijingMonth(d);
  });

  const filing = useMutation({
    mutationFn: (v: { period: string }) =>
      ok(client.POST('/v1/taxpayers/{taxId}/vat-filings', { params: { path: { taxId } }, body: { period: v.period.trim() } })),
    onSuccess: () => {
      notify.ok('已记录增值税申报');
      refresh();
    },
    onError: notify.fail,
  });
  const apply = useMutation({
    mutationFn: (v: { requestedTotal: string; reason: string }) =>
      ok<{ id: string; status: string }>(
        client.POST('/v1/taxpayers/{taxId}/quota/applications', {
          params: { path: { taxId } },
          headers: { 'Idempotency-Key': newKey() },
          body: { requestedTotal: v.requestedTotal.trim(), reason: v.reason.trim() },
        }),
      ),
    onSuccess: (_d, v) => {
      notify.ok(`已提交额度调整申请：${money(v.requestedTotal)} 元，待税务机关审核`);
      applyForm.resetFields();
    },
    onError: notify.fail,
  });
  const object = useMutation({
    mutationFn: (v: { reason: string }) =>
      ok(client.POST('/v1/taxpayers/{taxId}/quota/objections', { params: { path: { taxId } }, body: { reason: v.reason.trim() } })),
    onSuccess: () => {
      notify.ok('已提交额度异议');
      objectForm.resetFields();
    },
    onError: notify.fail,
  });

  return (
    <>
      <Typography.Title level={2}>首页</Typography.Title>
      <QuotaPanel taxId={taxId} />
      <Row gutter={16}>
        <Col span={8}>
          <Card title="增值税申报" size="small">
            <Form form={filingForm} layout="vertical" initialValues={{ period: lastMonth }} onFinish={(v) => filing.mutate(v)}>
              <Form.Item
                label="所属期（月 YYYY-MM 或季 YYYY-Qn）"
                name="period"
                rules={[{ required: true, pattern: /^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/, message: '例如 2023-07 或 2023-Q3' }]}
              >
                <Input />
              </Form.Item>
              <Button htmlType="submit" loading={filing.isPending}>
                记录申报
              </Button>
            </Form>
          </Card>
        </Col>
        <Col span={8}>
          <Card title="申请调整额度" size="small">
            <Form form={applyForm} layout="vertical" onFinish={(v) => apply.mutate(v)}>
              <Form.Item
                label="申请总额度（元）"
                name="requestedTotal"
                rules={[{ required: true, pattern: /^\d+\.\d{2}$/, message: '金额须保留两位小数，例如 9000000.00' }]}
              >
                <Input />
              </Form.Item>
              <Form.Item label="申请理由" name="reason" rules={[{ required: true, message: '请填写理由' }]}>
                <Input.TextArea rows={2} />
              </Form.Item>
              <Button htmlType="submit" loading={apply.isPending}>
                提交申请
              </Button>
            </Form>
          </Card>
        </Col>
        <Col span={8}>
          <Card title="额度异议" size="small">
            <Form form={objectForm} layout="vertical" onFinish={(v) => object.mutate(v)}>
              <Form.Item label="异议内容" name="reason" rules={[{ required: true, message: '请填写异议内容' }]}>
                <Input.TextArea rows={4} />
              </Form.Item>
              <Button htmlType="submit" loading={object.isPending}>
                提交异议
              </Button>
            </Form>
          </Card>
        </Col>
      </Row>
    </>
  );
}
