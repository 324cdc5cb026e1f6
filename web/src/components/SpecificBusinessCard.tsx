import { Button, Card, Col, Form, type FormInstance, Input, Row, Select, Switch } from 'antd';
import { BUSINESSES, businessOf, checkField, initialValues, type FieldDef } from '../lib/specificBusiness';

/** A rule from checkField (the same check the submit runs); a validator, not `required`, so Ant
 * Design puts no aria-required on a Select's wrapper (axe: aria-allowed-attr). */
const rule = (f: FieldDef) => ({
  validator: (_: unknown, v: unknown) => {
    const e = checkField(f, v);
    return e ? Promise.reject(new Error(e)) : Promise.resolve();
  },
});

function BusinessInput({ f, name, row }: { f: FieldDef; name: (string | number)[]; row?: number }) {
  const aria = row === undefined ? undefined : `第 ${row + 1} 条${f.label}`;
  const common = { label: f.label, name, rules: [rule(f)] };
  if (f.kind === 'bool') {
    return (
      <Form.Item {...common} valuePropName="checked">
        <Switch checkedChildren="是" unCheckedChildren="否" aria-label={aria} />
      </Form.Item>
    );
  }
  if (f.kind === 'select') {
    return (
      <Form.Item {...common}>
        <Select aria-label={aria} options={(f.options ?? []).map((o) => ({ value: o, label: o }))} placeholder="请选择" />
      </Form.Item>
    );
  }
  const placeholder = f.placeholder ?? (f.kind === 'date' ? 'YYYY-MM-DD' : f.kind === 'money' ? '如 1200000.00' : f.optional ? '可不填' : undefined);
  return (
    <Form.Item {...common}>
      <Input aria-label={aria} placeholder={placeholder} inputMode={f.kind === 'money' ? 'decimal' : undefined} />
    </Form.Item>
  );
}

/** 特定业务: choose the business (or none), then its own inputs; for 04 and 09 one row per
 * transport leg or passenger. The values live under `specificBusiness` with the API's names, so
 * the service's field errors (e.g. specificBusiness.passengers[0].idNumber) show at their inputs. */
export function SpecificBusinessCard({ form }: { form: FormInstance }) {
  const type = Form.useWatch(['specificBusiness', 'type'], form) as string | undefined;
  const b = businessOf(type);
  return (
    <Card title="特定业务" size="small" style={{ marginBottom: 16 }} data-testid="specific-business">
      <Row gutter={12}>
        <Col span={8}>
          <Form.Item label="特定业务类型" name={['specificBusiness', 'type']}>
            <Select
              allowClear
              placeholder="无（非特定业务）"
              options={BUSINESSES.map((x) => ({ value: x.code, label: `${x.code} ${x.name}` }))}
              onChange={(code?: string) => form.setFieldValue('specificBusiness', initialValues(code ?? ''))}
            />
          </Form.Item>
        </Col>
      </Row>
      {b && b.fields.length > 0 && (
        <Row gutter={12}>
          {b.fields.map((f) => (
            <Col key={f.key} span={f.kind === 'bool' || f.kind === 'select' ? 4 : 8}>
              <BusinessInput f={f} name={['specificBusiness', f.key]} />
            </Col>
          ))}
        </Row>
      )}
      {b?.list && (
        <Form.List name={['specificBusiness', b.list.key]}>
          {(rows, { add, remove }) => (
            <>
              {rows.map((row, i) => (
                <div key={row.key} className="line-row">
                  <Row gutter={12} align="bottom">
                    {b.list!.fields.map((f) => (
                      <Col key={f.key} span={f.kind === 'select' ? 4 : 5}>
                        <BusinessInput f={f} name={[row.name, f.key]} row={i} />
                      </Col>
                    ))}
                    <Col span={4}>
                      <Form.Item label=" " colon={false}>
                        <Button danger disabled={rows.length === 1} onClick={() => remove(row.name)} aria-label={`删除第 ${i + 1} 条${b.list!.item}`}>
                          删除
                        </Button>
                      </Form.Item>
                    </Col>
                  </Row>
                </div>
              ))}
              <Button onClick={() => add({})}>增加{b.list!.item}</Button>
            </>
          )}
        </Form.List>
      )}
    </Card>
  );
}
