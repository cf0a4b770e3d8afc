// A modal dialog on the native <dialog> element: showModal() makes the page behind it inert,
// Tab and Shift+Tab wrap around inside it (the browser alone would move on to its own
// toolbar), Escape closes it, and focus goes back where it was on close.
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Keeps Tab inside the dialog: from the last control to the first, and back with Shift. */
function trapTab(event: KeyboardEvent<HTMLDialogElement>): void {
  if (event.key !== 'Tab') return;
  const controls = [...event.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = controls[0];
  const last = controls.at(-1);
  if (!first || !last) return;
  const active = document.activeElement;
  if (event.shiftKey && (active === first || !event.currentTarget.contains(active))) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (active === last || !event.currentTarget.contains(active))) {
    event.preventDefault();
    first.focus();
  }
}

export interface DialogProps {
  readonly title: string;
  readonly open: boolean;
  readonly onClose: () => void;
  readonly children: ReactNode;
}

export function Dialog({ title, open, onClose, children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog || !open) return;
    const returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    // Escape fires `cancel`: let React state close it, so the two never disagree.
    const onCancel = (event: Event) => {
      event.preventDefault();
      onCloseRef.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      dialog.close();
      // The opener may be gone (a lifecycle action replaces its own button): keep focus in
      // the page's content rather than dropping it on <body>.
      if (returnTo?.isConnected) returnTo.focus();
      else document.getElementById('main')?.focus();
    };
  }, [open]);

  if (!open) return null;
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="dialog-title" onKeyDown={trapTab}>
      <h2 id="dialog-title">{title}</h2>
      {children}
    </dialog>
  );
}
