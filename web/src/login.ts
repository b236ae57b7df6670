/** The session: who is logged in, the login dialog, logging out. The session itself is the service's cookie. */

import { t } from './i18n.ts';
import { ApiError, reasonOf, requestJson } from './live.ts';

export interface SessionUser {
  name: string;
  displayName: string;
  roles: string[];
  /** the station they work for, or "city" (情指中心, the whole city); GET /api/me says it (an older service: absent, one station) */
  scope?: string;
}

/** The logged-in user, or null without a valid session. */
export async function currentUser(): Promise<SessionUser | null> {
  try {
    return await requestJson<SessionUser>('GET', '/api/me');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/** Why a login failed, in the operator's language where we know the case. */
function loginFailure(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return t('loginWrong');
  if (error instanceof ApiError && error.status === 429) return t('loginTooMany');
  return t('loginFailed', { detail: reasonOf(error) });
}

/** Shows the login dialog until a login succeeds; the map stays visible behind it. */
export function askLogin(dialog: HTMLDialogElement): Promise<SessionUser> {
  const form = dialog.querySelector('form')!;
  const errorText = dialog.querySelector<HTMLElement>('.login__error')!;
  const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  errorText.hidden = true;
  // Escape would close the dialog and leave a map with no data behind it.
  dialog.oncancel = (event) => event.preventDefault();
  dialog.showModal();
  return new Promise((resolve) => {
    // A listener's returned promise is dropped: logIn answers every failure on the form itself.
    const onSubmit = (event: SubmitEvent): void => {
      event.preventDefault();
      void logIn();
    };
    const logIn = async (): Promise<void> => {
      const fields = new FormData(form);
      submit.disabled = true;
      try {
        const answer = await requestJson<{ user: SessionUser }>('POST', '/api/login', {
          username: String(fields.get('username') ?? ''),
          password: String(fields.get('password') ?? ''),
        });
        form.removeEventListener('submit', onSubmit);
        form.reset();
        dialog.close();
        resolve(answer.user);
      } catch (error) {
        errorText.textContent = loginFailure(error);
        errorText.hidden = false;
      } finally {
        submit.disabled = false;
      }
    };
    form.addEventListener('submit', onSubmit);
  });
}

/** Ends the session; the page starts over at the login. */
export async function logout(): Promise<void> {
  await requestJson('POST', '/api/logout');
  location.reload();
}
