// Success and failure toasts: short messages in a polite live region at the bottom of the page,
// each gone after a few seconds or when dismissed. One provider for the signed-in shell.
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';

type Tone = 'ok' | 'error';
interface Toast { readonly id: number; readonly text: string; readonly tone: Tone }
type Show = (text: string, tone?: Tone) => void;

const ToastContext = createContext<Show>(() => undefined);
const VISIBLE_MS = 6000;

/** @example const toast = useToast(); toast('Suspended acme.'); toast('Could not suspend acme.', 'error'); */
export function useToast(): Show {
  return useContext(ToastContext);
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<readonly Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const show = useCallback<Show>((text, tone = 'ok') => {
    const id = Date.now() + Math.random();
    setToasts((all) => [...all.slice(-2), { id, text, tone }]);
    // The browser's timer (not the server's clock): how long a message stays is the page's business.
    window.setTimeout(() => dismiss(id), VISIBLE_MS);
  }, [dismiss]);
  return (
    <ToastContext.Provider value={show}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.tone}`}>
            <span>{t.text}</span>
            <button type="button" className="secondary small-button" onClick={() => dismiss(t.id)} aria-label={`Dismiss: ${t.text}`}>×</button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
