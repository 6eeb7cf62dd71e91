import type { ReactNode } from 'react';

/**
 * For Modal `modalRender`: wraps the dialog panel (header, body and footer) in an element carrying a
 * test id, so tests can find the visible dialog and the buttons inside it.
 */
export const modalTestId =
  (testId: string) =>
  (node: ReactNode): ReactNode => <div data-testid={testId}>{node}</div>;
