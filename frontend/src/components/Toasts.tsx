import * as Toast from '@radix-ui/react-toast';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export type ToastTone = 'info' | 'success' | 'error';

interface ToastItem {
  id: number;
  title: string;
  description?: string;
  tone: ToastTone;
}

type Notify = (title: string, options?: { description?: string; tone?: ToastTone }) => void;

const ToastContext = createContext<Notify>(() => undefined);

/** Short-lived notices (Radix Toast: announced politely, F8 focuses them, swipe or Esc closes). */
export function useToast(): Notify {
  return useContext(ToastContext);
}

let nextId = 1;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<ToastItem[]>([]);
  const notify = useCallback<Notify>((title, options) => {
    const item: ToastItem = { id: nextId++, title, tone: options?.tone ?? 'info' };
    if (options?.description) item.description = options.description;
    setToasts((current) => [...current.slice(-3), item]);
  }, []);
  const remove = useCallback((id: number) => {
    setToasts((current) => current.filter((toast) => toast.id !== id));
  }, []);
  const value = useMemo(() => notify, [notify]);

  return (
    <ToastContext.Provider value={value}>
      <Toast.Provider swipeDirection="right" duration={6000} label="Notification">
        {children}
        {toasts.map((toast) => (
          <Toast.Root
            key={toast.id}
            className={`toast toast-${toast.tone}`}
            type={toast.tone === 'error' ? 'foreground' : 'background'}
            onOpenChange={(open) => {
              if (!open) remove(toast.id);
            }}
          >
            <Toast.Title className="toast-title">{toast.title}</Toast.Title>
            {toast.description ? (
              <Toast.Description className="toast-description">
                {toast.description}
              </Toast.Description>
            ) : null}
            <Toast.Close className="toast-close" aria-label="Dismiss notification">
              ×
            </Toast.Close>
          </Toast.Root>
        ))}
        <Toast.Viewport className="toast-viewport" />
      </Toast.Provider>
    </ToastContext.Provider>
  );
}
