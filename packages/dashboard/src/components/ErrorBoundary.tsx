// Catches a rendering failure so the operator sees what broke and can go on, instead of a
// blank page: the shell stays, only the page inside is replaced.
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  readonly error: Error | undefined;
}

export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidUpdate(previous: { resetKey: string }): void {
    // Navigating elsewhere gives the next page a fresh start.
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined });
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('dashboard page failed', error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="problem" role="alert">
        <p><strong>This page failed to display.</strong> <code className="code">CLIENT_ERROR</code></p>
        <p>{this.state.error.message}</p>
        <button type="button" className="secondary" onClick={() => this.setState({ error: undefined })}>Try again</button>
      </div>
    );
  }
}
