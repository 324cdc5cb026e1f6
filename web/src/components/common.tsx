import { App, Alert } from 'antd';
import { money } from '../lib/format';
import { ApiError } from '../lib/problems';

/** Money as finance staff read it: thousands separators, two decimals, tabular figures. */
export function Money({ value, strong }: { value: string | null | undefined; strong?: boolean }) {
  const text = money(value);
  return <span className="money">{strong ? <strong>{text}</strong> : text}</span>;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

export function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  return <Alert type="error" showIcon role="alert" message={errorText(error)} style={{ marginBottom: 16 }} />;
}

/** message.success / message.error from anywhere in a page. */
export function useNotify() {
  const { message } = App.useApp();
  return {
    ok: (text: string) => void message.success(text),
    fail: (e: unknown) => void message.error(errorText(e), 6),
  };
}
