// A tenant's billing for the operator: its subscription (status, plan, entitlement, trial and
// period), its invoices and credit notes newest first, and one of them opened as the server
// renders it — the HTML in a sandboxed frame (no script runs), and the PDF as a download. Every
// billing transition is in the audit log tab (billing.*).
import { useEffect, useState } from 'react';
import { request } from '../api/client.js';
import { ApiError, problemFrom } from '../api/problem.js';
import { asApiError, useLoad } from '../api/use-load.js';
import { Loadable } from '../components/Loadable.js';
import { ProblemMessage } from '../components/ProblemMessage.js';
import { Time } from '../components/Time.js';
import { useOperator } from '../components/operator-context.js';

interface Subscription {
  readonly plan: string;
  readonly status: string;
  readonly entitlement: string;
  readonly trialEnd: string | null;
  readonly scheduledPlan: string | null;
  readonly cancelAtPeriodEnd: boolean;
  readonly pastDueSince: string | null;
  readonly currentPeriod: { readonly start: string; readonly end: string };
}

interface Invoice {
  readonly id: string;
  readonly kind: 'invoice' | 'credit_note';
  readonly displayNumber: string;
  readonly period: string;
  readonly status: string;
  readonly currency: string;
  readonly totalMinor: number;
  readonly issuedAt: string;
}

/** Minor units in the currency's own digits (JPY has none, EUR two). */
function money(minor: number, currency: string): string {
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
  return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

/** A rendering the server answers with the operator's token (a plain link could not send it). */
async function rendering(path: string, token: string, signal?: AbortSignal): Promise<Blob> {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` }, ...(signal ? { signal } : {}) });
  if (!response.ok) throw new ApiError(problemFrom(response.status, await response.json().catch(() => undefined), response.statusText));
  return response.blob();
}

/** A subscription that does not exist yet is a fact to show, not an error. */
async function subscriptionOf(tenantId: string, token: string, signal: AbortSignal): Promise<Subscription | null> {
  try {
    return await request<Subscription>(`/v1/tenants/${tenantId}/subscription`, { token, signal });
  } catch (err) {
    if (err instanceof ApiError && err.problem.code === 'SUBSCRIPTION_NOT_FOUND') return null;
    throw err;
  }
}

function InvoiceView({ tenantId, invoice }: { tenantId: string; invoice: Invoice }) {
  const { token } = useOperator();
  const base = `/v1/tenants/${tenantId}/invoices/${invoice.id}`;
  const html = useLoad(async (signal) => (await rendering(`${base}/html`, token, signal)).text(), [base, token]);
  const [pdf, setPdf] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  // An object URL holds the PDF in memory until revoked.
  useEffect(() => () => { if (pdf) URL.revokeObjectURL(pdf); }, [pdf]);
  const preparePdf = async () => {
    setError(undefined);
    try {
      setPdf(URL.createObjectURL(await rendering(`${base}/pdf`, token)));
    } catch (err) {
      setError(asApiError(err));
    }
  };
  return (
    <section aria-labelledby="invoice-heading" className="card">
      <h3 id="invoice-heading">{invoice.kind === 'credit_note' ? 'Credit note' : 'Invoice'} {invoice.displayNumber}</h3>
      <p>
        {pdf
          ? <a href={pdf} download={`${invoice.displayNumber}.pdf`} className="small-button">Save {invoice.displayNumber}.pdf</a>
          : <button type="button" className="secondary" onClick={() => void preparePdf()}>Get PDF</button>}
      </p>
      {error && <ProblemMessage error={error} />}
      <Loadable state={html} feature="Invoice">
        {(document) => <iframe title={`${invoice.displayNumber} as rendered`} sandbox="" srcDoc={document} className="invoice-frame" style={{ width: '100%', height: '32rem', border: '1px solid var(--border)', background: '#fff' }} />}
      </Loadable>
    </section>
  );
}

export function BillingPanel({ tenantId, refresh }: { tenantId: string; refresh: number }) {
  const { token } = useOperator();
  const subscription = useLoad((signal) => subscriptionOf(tenantId, token, signal), [tenantId, token, refresh]);
  const invoices = useLoad((signal) => request<{ items: Invoice[] }>(`/v1/tenants/${tenantId}/invoices?limit=100`, { token, signal }), [tenantId, token, refresh]);
  const [open, setOpen] = useState<Invoice | undefined>();

  return (
    <div className="stack">
      <section aria-labelledby="subscription-heading" className="card">
        <h2 id="subscription-heading">Subscription</h2>
        <Loadable state={subscription} feature="Billing">
          {(s) => s === null ? <p className="muted">No subscription.</p> : (
            <dl className="facts">
              <dt>Plan</dt><dd>{s.plan}{s.scheduledPlan && <span className="muted"> (then {s.scheduledPlan})</span>}</dd>
              <dt>Status</dt><dd><span className={`badge badge-${s.status}`}>{s.status.replace('_', ' ')}</span>{s.cancelAtPeriodEnd && <span className="muted"> · ends with this period</span>}</dd>
              <dt>Entitlement</dt><dd>{s.entitlement.replace('_', ' ')}</dd>
              <dt>Trial ends</dt><dd><Time value={s.trialEnd} /></dd>
              <dt>Past due since</dt><dd><Time value={s.pastDueSince} /></dd>
              <dt>Period</dt><dd><Time value={s.currentPeriod.start} /> – <Time value={s.currentPeriod.end} /></dd>
            </dl>
          )}
        </Loadable>
      </section>
      <section aria-labelledby="invoices-heading" className="card">
        <h2 id="invoices-heading">Invoices and credit notes</h2>
        <Loadable state={invoices} feature="Invoices">
          {({ items }) => items.length === 0 ? <p className="muted">No invoices yet.</p> : (
            <div className="table-wrap">
              <table className="cards">
                <thead><tr><th scope="col">Number</th><th scope="col">Kind</th><th scope="col">Period</th><th scope="col">Status</th><th scope="col" className="num">Total</th><th scope="col">Issued</th></tr></thead>
                <tbody>
                  {items.map((i) => (
                    <tr key={i.id} aria-current={open?.id === i.id ? 'true' : undefined}>
                      <th scope="row"><button type="button" className="secondary small-button" onClick={() => setOpen(i)} aria-label={`Open ${i.displayNumber}`}>{i.displayNumber}</button></th>
                      <td data-label="Kind">{i.kind === 'credit_note' ? 'credit note' : 'invoice'}</td>
                      <td data-label="Period">{i.period}</td>
                      <td data-label="Status">{i.status}</td>
                      <td className="num" data-label="Total">{money(i.totalMinor, i.currency)}</td>
                      <td data-label="Issued"><Time value={i.issuedAt} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Loadable>
      </section>
      {open && <InvoiceView key={open.id} tenantId={tenantId} invoice={open} />}
    </div>
  );
}
