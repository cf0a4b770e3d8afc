// Operators: the platform staff who sign in here. List them with their tokens, create one (its
// first token shown once), disable or enable an account, and revoke or rotate a token (a leak,
// a leaver) — each behind a confirmation, each recorded by the server as an operator action.
import { useState, type FormEvent } from 'react';
import { operatorsApi } from '../api/endpoints.js';
import type { ApiError } from '../api/problem.js';
import type { Operator, OperatorToken } from '../api/types.js';
import { asApiError, useLoad } from '../api/use-load.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { Loadable } from '../components/Loadable.js';
import { ProblemMessage } from '../components/ProblemMessage.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { Time } from '../components/Time.js';
import { useOperator } from '../components/operator-context.js';
import { useToast } from '../components/toast.js';
import { CreatedKeyNotice } from '../tenant/CreatedKeyNotice.js';

type Pending =
  | { readonly kind: 'disable'; readonly operator: Operator }
  | { readonly kind: 'enable'; readonly operator: Operator }
  | { readonly kind: 'revoke'; readonly operator: Operator; readonly token: OperatorToken }
  | { readonly kind: 'rotate'; readonly operator: Operator; readonly token: OperatorToken };

function Tokens({ operator, version, onAct }: { operator: Operator; version: number; onAct: (pending: Pending) => void }) {
  const { token } = useOperator();
  const tokens = useLoad((signal) => operatorsApi.tokens(token, operator.id, signal), [token, operator.id, version]);
  return (
    <Loadable state={tokens} feature="Operator tokens">
      {({ items }) => items.length === 0 ? <p className="muted small">No tokens.</p> : (
        <ul className="timeline">
          {items.map((t) => (
            <li key={t.id}>
              <strong>{t.name}</strong> <code>{t.prefix}</code> <StatusBadge status={t.status} />
              <span className="small muted"> created <Time value={t.createdAt} />, last used {t.lastUsedAt ? <Time value={t.lastUsedAt} /> : 'never'}</span>
              {t.status === 'active' && (
                <span className="button-row">
                  <button type="button" className="secondary small-button" onClick={() => onAct({ kind: 'rotate', operator, token: t })} aria-label={`Rotate token ${t.name} of ${operator.displayName}`}>Rotate…</button>
                  <button type="button" className="danger small-button" onClick={() => onAct({ kind: 'revoke', operator, token: t })} aria-label={`Revoke token ${t.name} of ${operator.displayName}`}>Revoke…</button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </Loadable>
  );
}

export function OperatorsPage() {
  const { token } = useOperator();
  const toast = useToast();
  const [version, setVersion] = useState(0);
  const operators = useLoad((signal) => operatorsApi.list(token, signal), [token, version]);
  const [pending, setPending] = useState<Pending | undefined>();
  const [shown, setShown] = useState<{ name: string; secret: string } | undefined>();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [error, setError] = useState<ApiError | undefined>();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const created = await operatorsApi.create(token, { email: email.trim(), displayName: displayName.trim() });
      setShown({ name: `${created.operator.displayName}: ${created.info.name}`, secret: created.token });
      setEmail('');
      setDisplayName('');
      toast(`Created operator ${created.operator.displayName}.`);
      setVersion((n) => n + 1);
    } catch (err) {
      setError(asApiError(err));
    }
  };

  const run = async (p: Pending) => {
    if (p.kind === 'disable' || p.kind === 'enable') {
      await operatorsApi.setEnabled(token, p.operator.id, p.kind === 'enable');
      toast(`${p.kind === 'enable' ? 'Enabled' : 'Disabled'} ${p.operator.displayName}.`);
    } else if (p.kind === 'revoke') {
      await operatorsApi.revokeToken(token, p.operator.id, p.token.id);
      toast(`Revoked token ${p.token.name} of ${p.operator.displayName}.`);
    } else {
      const rotated = await operatorsApi.rotateToken(token, p.operator.id, p.token.id);
      setShown({ name: `${p.operator.displayName}: ${rotated.info.name}`, secret: rotated.token });
      toast(`Rotated token ${p.token.name} of ${p.operator.displayName}.`);
    }
    setVersion((n) => n + 1);
  };

  const confirmText = (p: Pending): string => {
    switch (p.kind) {
      case 'disable': return `${p.operator.displayName} (${p.operator.email}) can no longer sign in; every token and impersonation session of theirs stops working at once.`;
      case 'enable': return `${p.operator.displayName}'s active tokens work again.`;
      case 'revoke': return `Token ${p.token.name} (${p.token.prefix}) stops working at once. Anyone signed in with it is signed out.`;
      case 'rotate': return `A new token replaces ${p.token.name} (${p.token.prefix}), shown once; the old one stops working at once.`;
    }
  };

  return (
    <>
      <h1>Operators</h1>
      {shown && <CreatedKeyNotice what="Operator token" name={shown.name} secret={shown.secret} onDismiss={() => setShown(undefined)} />}
      <section className="card" aria-labelledby="new-operator-heading">
        <h2 id="new-operator-heading">Add an operator</h2>
        <form className="inline-form" onSubmit={(event) => void create(event)}>
          <label className="field">Name<input value={displayName} onChange={(event) => setDisplayName(event.target.value)} required maxLength={200} /></label>
          <label className="field">Email<input type="email" value={email} onChange={(event) => setEmail(event.target.value)} required maxLength={320} /></label>
          <button type="submit" className="primary">Create operator</button>
          {error && <ProblemMessage error={error} />}
        </form>
      </section>
      <Loadable state={operators} feature="Operators">
        {({ items }) => (
          <div className="stack spaced">
            {items.map((o) => (
              <section key={o.id} className="card" aria-label={o.displayName}>
                <div className="page-head">
                  <h2>{o.displayName} <span className="count">{o.email}</span></h2>
                  <StatusBadge status={o.status} />
                </div>
                <p className="small muted">Since <Time value={o.createdAt} /></p>
                <Tokens operator={o} version={version} onAct={setPending} />
                <div className="button-row spaced">
                  {o.status === 'active'
                    ? <button type="button" className="danger" onClick={() => setPending({ kind: 'disable', operator: o })} aria-label={`Disable ${o.displayName}`}>Disable…</button>
                    : <button type="button" className="primary" onClick={() => setPending({ kind: 'enable', operator: o })} aria-label={`Enable ${o.displayName}`}>Enable…</button>}
                </div>
              </section>
            ))}
          </div>
        )}
      </Loadable>
      {pending && (
        <ConfirmDialog title={pending.kind === 'revoke' ? 'Revoke this token?' : pending.kind === 'rotate' ? 'Rotate this token?' : pending.kind === 'disable' ? 'Disable this operator?' : 'Enable this operator?'}
          confirmLabel={pending.kind[0]!.toUpperCase() + pending.kind.slice(1)} destructive={pending.kind !== 'enable'}
          onConfirm={() => run(pending)} onClose={() => setPending(undefined)}>
          <p>{confirmText(pending)}</p>
        </ConfirmDialog>
      )}
    </>
  );
}
