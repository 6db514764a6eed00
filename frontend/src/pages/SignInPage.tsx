import { DevSignInDocument } from '@generated/graphql';
import { useId, useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useMutation } from 'urql';
import { safeNextPath } from '../auth/AuthContext';
import { authStore } from '../auth/store';
import { ErrorMessage } from '../components/Messages';
import { resultErrorMessage } from '../graphql/errors';
import { formText } from '../lib/rooms';

/** Development sign-in: devSignIn hands out a token for any email (refused in production). */
export default function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [result, signIn] = useMutation(DevSignInDocument);
  const [error, setError] = useState<string | null>(null);
  const emailId = useId();
  const nameId = useId();
  const planId = useId();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const form = new FormData(event.currentTarget);
    const email = formText(form, 'email');
    const name = formText(form, 'name');
    const plan = formText(form, 'plan');
    const response = await signIn({
      email,
      name: name || null,
      plan: plan === 'FREE' || plan === 'PREMIUM' ? plan : null,
    });
    const payload = response.data?.devSignIn;
    const message = resultErrorMessage(response.error, payload?.errors);
    if (message || !payload?.token) {
      setError(message ?? 'Signing in did not work. Please try again.');
      return;
    }
    authStore.signIn(payload.token);
    void navigate(safeNextPath(params.get('next')), { replace: true });
  }

  return (
    <section className="panel narrow" aria-labelledby="signin-heading">
      <h1 id="signin-heading">Sign in</h1>
      <p className="hint">Development sign-in: any email works on a development server.</p>
      <form className="form" onSubmit={(event) => void onSubmit(event)}>
        <div className="field">
          <label htmlFor={emailId}>Email</label>
          <input
            id={emailId}
            name="email"
            type="email"
            autoComplete="email"
            required
            maxLength={254}
          />
        </div>
        <div className="field">
          <label htmlFor={nameId}>Name</label>
          <input id={nameId} name="name" type="text" autoComplete="name" maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor={planId}>Plan</label>
          <select id={planId} name="plan" defaultValue="">
            <option value="">Keep the current plan</option>
            <option value="FREE">Free</option>
            <option value="PREMIUM">Premium (Jira features)</option>
          </select>
        </div>
        <ErrorMessage message={error} />
        <button type="submit" className="button button-primary" disabled={result.fetching}>
          Sign in
        </button>
      </form>
    </section>
  );
}
