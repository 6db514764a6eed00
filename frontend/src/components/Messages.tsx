import type { ReactNode } from 'react';

/** An error the user should notice now (role alert); renders nothing without a message. */
export function ErrorMessage({
  message,
  children,
}: {
  message: string | null | undefined;
  children?: ReactNode;
}) {
  if (!message) return null;
  return (
    <div role="alert" className="message message-error">
      <p>{message}</p>
      {children}
    </div>
  );
}

/** Loading and other polite status text (role status). */
export function StatusMessage({
  children,
  className,
}: {
  children: ReactNode;
  className?: string;
}) {
  return (
    <p role="status" className={className ?? 'message message-status'}>
      {children}
    </p>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <p role="status" className="loading" aria-busy="true">
      {label}
    </p>
  );
}
