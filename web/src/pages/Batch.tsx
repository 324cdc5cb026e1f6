import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Card, Progress, Space, Table, Typography, Upload } from 'antd';
import { client, newKey, ok, rawFetch } from '../api/client';
import { ErrorAlert, useNotify } from '../components/common';
import { problemMessage, type Problem } from '../lib/problems';

type Parsed = { invoices: Record<string, unknown>[]; rows: { row: number; invoiceIndex: number | null; errors: { field: string; message: string }[] }[] };
type Outcome = { number?: string; error?: Problem };
const CHUNK = 20;

/** 批量开具: the .xlsx template, upload (read on the server), then the invoices sent to the batch
 * endpoint in chunks of 20, each with its own Idempotency-Key, with progress and a row-by-row result. */
export default function Batch() {
  const notify = useNotify();
  const [parsed, setParsed] = useState<Parsed | null>(null);
  const [keys, setKeys] = useState<string[]>([]);
  const [results, setResults] = useState<Outcome[]>([]);
  const [sent, setSent] = useState(0);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const upload = async (file: File) => {
    setError(null);
    setResults([]);
    setSent(0);
    try {
      const form = new FormData();
      form.append('file', file);
      const res = await rawFetch('/v1/invoices/batch/xlsx-parse', { method: 'POST', body: form });
      const p = (await res.json()) as Parsed;
      setParsed(p);
      setKeys(Array.from({ length: Math.ceil(p.invoices.length / CHUNK) }, newKey));
    } catch (e) {
      setError(e);
    }
    return false;
  };

  const run = async () => {
    if (!parsed) return;
    setRunning(true);
    setError(null);
    const out: Outcome[] = [...results];
    try {
      for (let c = 0; c * CHUNK < parsed.invoices.length; c++) {
        if (out[c * CHUNK] !== undefined) continue; // this chunk already answered (a retry resumes)
        const invoices = parsed.invoices.slice(c * CHUNK, (c + 1) * CHUNK);
        const answer = await ok<{ results: Outcome[] }>(
          client.POST('/v1/invoices/batch', { body: { invoices } as never, headers: { 'Idempotency-Key': keys[c] } }),
        );
        answer.results.forEach((r, k) => (out[c * CHUNK + k] = r));
        setResults([...out]);
        setSent(Math.min(parsed.invoices.length, (c + 1) * CHUNK));
      }
      const good = out.filter((r) => r?.number).length;
      notify.ok(`批量开具完成：成功 ${good} 张，失败 ${out.length - good} 张`);
    } catch (e) {
      setError(e);
    } finally {
      setRunning(false);
    }
  };

  const total = parsed?.invoices.length ?? 0;
  const rows = (parsed?.rows ?? []).map((r) => {
    const o = r.invoiceIndex === null ? undefined : results[r.invoiceIndex];
    return { ...r, outcome: o };
  });

  return (
    <>
      <Typography.Title level={2}>批量开具</Typography.Title>
      <Card size="small" style={{ marginBottom: 16 }}>
        <Space direction="vertical">
          <span>
            1. 下载模板，按说明填写（同一发票流水号的多行为同一张发票的多个项目）：
            <a href="/v1/invoices/batch/template.xlsx" download>
              下载 Excel 模板
            </a>
          </span>
          <span>2. 上传填好的文件（.xlsx，最大 5 MB），服务端逐行校验：</span>
          <Upload accept=".xlsx" maxCount={1} beforeUpload={(f) => upload(f)} showUploadList={false}>
            <Button>选择文件并上传</Button>
          </Upload>
          <span>3. 校验通过的发票分批（每批 {CHUNK} 张）提交开具：</span>
          <Button
            type="primary"
            disabled={!total || running || (results.length >= total && results.every(Boolean))}
            loading={running}
            onClick={() => void run()}
          >
            开具 {total} 张发票
          </Button>
        </Space>
      </Card>
      <ErrorAlert error={error} />
      {parsed && (
        <>
          {parsed.rows.some((r) => r.errors.length) && (
            <Alert type="warning" showIcon style={{ marginBottom: 16 }} message="部分行有错误，这些行不会开具；修改后可重新上传。" />
          )}
          <Progress
            percent={total ? Math.round((sent * 100) / total) : 0}
            status={running ? 'active' : undefined}
            format={() => `${sent} / ${total}`}
            aria-label="开具进度"
          />
          <Table
            size="small"
            rowKey="row"
            dataSource={rows}
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
            columns={[
              { title: '行号', dataIndex: 'row', width: 70 },
              { title: '发票', dataIndex: 'invoiceIndex', width: 70, render: (v: number | null) => (v === null ? '' : v + 1) },
              {
                title: '结果',
                render: (_: unknown, r) => {
                  if (r.errors.length) return <Typography.Text type="danger">{r.errors.map((e) => `${e.field}：${e.message}`).join('；')}</Typography.Text>;
                  if (!r.outcome) return <Typography.Text type="secondary">待开具</Typography.Text>;
                  if (r.outcome.number) return <Link to={`/invoices/${r.outcome.number}`}>{r.outcome.number}</Link>;
                  return (
                    <Typography.Text type="danger">
                      {problemMessage(r.outcome.error ?? { status: 0 })}
                      {r.outcome.error?.errors?.length ? `（${r.outcome.error.errors.map((e) => `${e.field}：${e.message}`).join('；')}）` : ''}
                    </Typography.Text>
                  );
                },
              },
            ]}
          />
        </>
      )}
    </>
  );
}
