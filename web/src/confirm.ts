/**
 * The confirmation every flight command needs: a dialog naming the drone and the action, with
 * Cancel focused, so a stray Enter or Escape sends nothing.
 */

export interface Confirmation {
  title: string;
  message: string;
  /** the confirm button's words, e.g. "Return SB-1 home" */
  confirm: string;
  /** what is about to happen in detail (e.g. overridden checks), one line each */
  details?: string[];
}

export type Confirm = (what: Confirmation) => Promise<boolean>;

export function confirmer(dialog: HTMLDialogElement): Confirm {
  const title = dialog.querySelector<HTMLElement>('.dialog__title')!;
  const message = dialog.querySelector<HTMLElement>('.confirm__message')!;
  const details = dialog.querySelector<HTMLUListElement>('.confirm__details')!;
  const yes = dialog.querySelector<HTMLButtonElement>('.confirm__yes')!;
  const no = dialog.querySelector<HTMLButtonElement>('.confirm__no')!;
  return (what) => {
    title.textContent = what.title;
    message.textContent = what.message;
    details.replaceChildren(...(what.details ?? []).map((line) => Object.assign(document.createElement('li'), { textContent: line })));
    details.hidden = !what.details?.length;
    yes.textContent = what.confirm;
    dialog.returnValue = '';
    dialog.showModal();
    no.focus();
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
    });
  };
}
