import { useState } from 'react';
import { Alert, Button, Form, Input } from 'antd';
import { useSession } from '../lib/session';
import { ApiError } from '../lib/problems';

/** 用户名 / 密码 / 登录 (API.md "The console": the labels finance staff and tests rely on). */
export function LoginForm() {
  const { signIn } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Form
      layout="vertical"
      requiredMark={false}
      onFinish={async (v: { username: string; password: string }) => {
        setBusy(true);
        setError(null);
        try {
          await signIn(v.username.trim(), v.password);
        } catch (e) {
          const p = e instanceof ApiError ? e.problem : null;
          setError(p?.status === 401 ? '用户名或密码错误' : e instanceof Error ? e.message : String(e));
        } finally {
          setBusy(false);
        }
      }}
    >
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
      <Form.Item label="用户名" name="username" rules={[{ required: true, message: '请输入用户名' }]}>
        <Input autoComplete="username" />
      </Form.Item>
      <Form.Item label="密码" name="password" rules={[{ required: true, message: '请输入密码' }]}>
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={busy}>
        登录
      </Button>
    </Form>
  );
}
