// A new API key or operator token, shown this once: only its hash is stored, so the operator copies it now.
import { useState } from 'react';

export function CreatedKeyNotice({ name, secret, onDismiss, what = 'API key' }: { name: string; secret: string; onDismiss: () => void; what?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard.writeText(secret).then(() => setCopied(true), () => setCopied(false));
  };
  return (
    <div className="created-key" role="status">
      <p><strong>{what} “{name}” created.</strong> Copy it now: it is not shown again.</p>
      <code className="secret">{secret}</code>
      <div className="button-row">
        <button type="button" className="secondary" onClick={copy}>{copied ? 'Copied' : 'Copy'}</button>
        <button type="button" className="secondary" onClick={onDismiss}>Done</button>
      </div>
    </div>
  );
}
