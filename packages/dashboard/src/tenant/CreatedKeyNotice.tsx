// A new API key, shown this once: only its hash is stored, so the operator copies it now.
import { useState } from 'react';

export function CreatedKeyNotice({ name, secret, onDismiss }: { name: string; secret: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard.writeText(secret).then(() => setCopied(true), () => setCopied(false));
  };
  return (
    <div className="created-key" role="status">
      <p><strong>API key “{name}” created.</strong> Copy it now: it is not shown again.</p>
      <code className="secret">{secret}</code>
      <div className="button-row">
        <button type="button" className="secondary" onClick={copy}>{copied ? 'Copied' : 'Copy'}</button>
        <button type="button" className="secondary" onClick={onDismiss}>Done</button>
      </div>
    </div>
  );
}
