import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { useState, type ReactNode } from 'react';

interface ConfirmDialogProps {
  /** the trigger button's text */
  trigger: ReactNode;
  /** the trigger's accessible name when its text is not enough (an icon, a short word) */
  triggerLabel?: string;
  triggerClassName?: string;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  onConfirm: () => void | Promise<void>;
  disabled?: boolean;
}

/** A destructive action behind a confirmation (Radix AlertDialog: focus trap, Esc, labelling). */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <AlertDialog.Root open={open} onOpenChange={setOpen}>
      <AlertDialog.Trigger
        className={props.triggerClassName ?? 'button button-danger'}
        aria-label={props.triggerLabel}
        disabled={props.disabled}
      >
        {props.trigger}
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog-content">
          <AlertDialog.Title className="dialog-title">{props.title}</AlertDialog.Title>
          <AlertDialog.Description className="dialog-description">
            {props.description}
          </AlertDialog.Description>
          <div className="dialog-actions">
            <AlertDialog.Cancel className="button">
              {props.cancelLabel ?? 'Cancel'}
            </AlertDialog.Cancel>
            <AlertDialog.Action
              className="button button-danger"
              disabled={busy}
              onClick={(event) => {
                event.preventDefault();
                setBusy(true);
                void Promise.resolve(props.onConfirm()).finally(() => {
                  setBusy(false);
                  setOpen(false);
                });
              }}
            >
              {props.confirmLabel}
            </AlertDialog.Action>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
