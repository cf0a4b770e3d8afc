// The signed-in operator: their token and how to sign out, for every page below the shell.
import { createContext, useContext } from 'react';

export interface OperatorSession {
  readonly token: string;
  readonly signOut: (message?: string) => void;
}

export const OperatorContext = createContext<OperatorSession | undefined>(undefined);

/** @example const { token } = useOperator(); */
export function useOperator(): OperatorSession {
  const session = useContext(OperatorContext);
  if (!session) throw new Error('useOperator outside a signed-in page');
  return session;
}
