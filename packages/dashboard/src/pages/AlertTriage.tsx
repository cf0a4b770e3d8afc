// Triage of one open alert: acknowledge, snooze for a while, resolve by hand — each a recorded
// operator action on the server — and the alert's triage state naming who did it and when.
import { useState } from 'react';
import { platformApi } from '../api/endpoints.js';
import type { Alert } from '../api/types.js';
import { asApiError } from '../api/use-load.js';
import { Time } from '../components/Time.js';
import { useOperator } from '../components/operator-context.js';
import { useToast } from '../components/toast.js';

const SNOOZES = [['60', '1 hour'], ['240', '4 hours'], ['1440', '1 day'], ['10080', '1 week']] as const;

/** `operator:<id>` by the operator's name when the server named it; the CLI's `cli:<user>` as is. */
const who = (actor: string | null | undefined, actors: Readonly<Record<string, string>>) => (actor ? actors[actor] ?? actor : 'someone');

export function TriageState({ alert, actors }: { alert: Alert; actors: Readonly<Record<string, string>> }) {
  const lines = [];
  if (alert.status === 'resolved') lines.push(<div key="r">Resolved {alert.resolvedBy ? `by ${who(alert.resolvedBy, actors)}` : 'when it cleared'} <Time value={alert.resolvedAt} /></div>);
  if (alert.acknowledgedAt) lines.push(<div key="a">Acknowledged by {who(alert.acknowledgedBy, actors)} <Time value={alert.acknowledgedAt} /></div>);
  if (alert.snoozed) lines.push(<div key="s">Snoozed until <Time value={alert.snoozedUntil} /></div>);
  return lines.length === 0 ? <span className="muted">new</span> : <div className="small">{lines}</div>;
}

export function AlertTriage({ alert, onChanged }: { alert: Alert; onChanged: () => void }) {
  const { token } = useOperator();
  const toast = useToast();
  const [minutes, setMinutes] = useState<string>(SNOOZES[0][0]);
  const [busy, setBusy] = useState(false);
  const name = `${alert.rule} on ${alert.tenant?.slug ?? alert.tenantId}`;
  const act = async (label: string, call: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await call();
      toast(`${label}: ${name}.`);
      onChanged();
    } catch (err) {
      const { problem } = asApiError(err);
      toast(`Could not change ${name}: ${problem.code ?? problem.status} ${problem.title}`, 'error');
      setBusy(false);
    }
  };
  return (
    <div className="triage">
      {!alert.acknowledgedAt && (
        <button type="button" className="secondary small-button" disabled={busy} aria-label={`Acknowledge ${name}`}
          onClick={() => void act('Acknowledged', () => platformApi.triageAlert(token, alert.id, 'acknowledge'))}>Acknowledge</button>
      )}
      <select aria-label={`Snooze ${name} for`} value={minutes} onChange={(event) => setMinutes(event.target.value)} disabled={busy}>
        {SNOOZES.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
      </select>
      <button type="button" className="secondary small-button" disabled={busy} aria-label={`Snooze ${name}`}
        onClick={() => void act('Snoozed', () => platformApi.snoozeAlert(token, alert.id, Number(minutes)))}>Snooze</button>
      <button type="button" className="secondary small-button" disabled={busy} aria-label={`Resolve ${name}`}
        onClick={() => void act('Resolved', () => platformApi.triageAlert(token, alert.id, 'resolve'))}>Resolve</button>
    </div>
  );
}
