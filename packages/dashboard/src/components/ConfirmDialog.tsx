// Asks before a consequential action; the action's own error is shown inside the dialog, and
// a destructive one can demand the tenant's slug typed out.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { ApiError } from '../api/problem.js';
import { asApiError } from '../api/use-load.js';
import { Dialog } from './Dialog.js';
import { ProblemMessage } from './ProblemMessage.js';

export interface ConfirmDialogProps {
  readonly title: string;
  readonly confirmLabel: string;
  readonly children: ReactNode;
  readonly destructive?: boolean;
  /** When set, the confirm button stays disabled until this text is typed. */
  readonly typeToConfirm?: string;
  /** Offers a "Reason" field (kept on the tenant and in the audit event); passed to onConfirm, trimmed. */
  readonly askReason?: boolean;
  readonly onConfirm: (reason: string) => Promise<void>;
  readonly onClose: () => void;
}

export function ConfirmDialog({ title, confirmLabel, children, destructive, typeToConfirm, askReason, onConfirm, onClose }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  const blocked = typeToConfirm !== undefined && typed !== typeToConfirm;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm(reason.trim());
      onClose();
    } catch (err) {
      setError(asApiError(err));
      setBusy(false);
    }
  };

  return (
    <Dialog title={title} open onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <div className="dialog-body">{children}</div>
        {askReason && (
          <label className="field">
            Reason (optional, kept and audited)
            <input value={reason} onChange={(event) => setReason(event.target.value)} maxLength={500} placeholder="e.g. ticket OPS-123: unpaid invoice" />
          </label>
        )}
        {typeToConfirm !== undefined && (
          <label className="field">
            Type <code>{typeToConfirm}</code> to confirm
            <input value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" />
          </label>
        )}
        {error && <ProblemMessage error={error} />}
        <div className="actions">
          <button type="button" className="secondary" onClick={onClose} autoFocus>Cancel</button>
          <button type="submit" className={destructive ? 'danger' : 'primary'} disabled={busy || blocked}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
