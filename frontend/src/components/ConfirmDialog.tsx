import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { useState, type ReactNode } from 'react';

interface ConfirmText {
  title: string;
  description: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  onConfirm: () => void | Promise<void>;
}

interface ConfirmDialogProps extends ConfirmText {
  /** the trigger button's text */
  trigger: ReactNode;
  /** the trigger's accessible name when its text is not enough (an icon, a short word) */
  triggerLabel?: string;
  triggerClassName?: string;
  disabled?: boolean;
}

/** The dialog's content: Cancel, and the action, which stays busy until onConfirm settles. */
function ConfirmContent(
  props: ConfirmText & { onSettled: () => void; onCloseAutoFocus?: (event: Event) => void },
) {
  const [busy, setBusy] = useState(false);
  return (
    <AlertDialog.Portal>
      <AlertDialog.Overlay className="dialog-overlay" />
      <AlertDialog.Content className="dialog-content" onCloseAutoFocus={props.onCloseAutoFocus}>
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
                props.onSettled();
              });
            }}
          >
            {props.confirmLabel}
          </AlertDialog.Action>
        </div>
      </AlertDialog.Content>
    </AlertDialog.Portal>
  );
}

/** A destructive action behind a confirmation (Radix AlertDialog: focus trap, Esc, labelling). */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const [open, setOpen] = useState(false);
  return (
    <AlertDialog.Root open={open} onOpenChange={setOpen}>
      <AlertDialog.Trigger
        className={props.triggerClassName ?? 'button button-danger'}
        aria-label={props.triggerLabel}
        disabled={props.disabled}
      >
        {props.trigger}
      </AlertDialog.Trigger>
      <ConfirmContent
        {...props}
        onSettled={() => {
          setOpen(false);
        }}
      />
    </AlertDialog.Root>
  );
}

/**
 * One confirmation for many plain buttons (a long list's rows, where a dialog per row costs
 * render time): open it for a subject; closing it puts focus back on the button that opened it.
 */
export function SharedConfirmDialog(
  props: ConfirmText & { openedBy: HTMLElement | null; onClose: () => void },
) {
  return (
    <AlertDialog.Root
      open={props.openedBy !== null}
      onOpenChange={(open) => {
        if (!open) props.onClose();
      }}
    >
      {props.openedBy ? (
        <ConfirmContent
          {...props}
          onSettled={props.onClose}
          onCloseAutoFocus={(event) => {
            event.preventDefault();
            props.openedBy?.focus();
          }}
        />
      ) : null}
    </AlertDialog.Root>
  );
}
