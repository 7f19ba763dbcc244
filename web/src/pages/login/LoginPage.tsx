// /login: username and password; after a login, the page asked for (`?next=`) or the invoices.
import { useState } from "react";
import { Navigate, useSearchParams } from "react-router-dom";
import { safeNext, useAuth } from "../../auth";
import { TextField } from "../../components/Field";
import { Form } from "../../components/Form";
import { Loading, Notice } from "../../components/QueryState";
import type { FormErrors } from "../../lib/forms";
import {
  loginErrorMessage,
  signedOutNotice,
  validateLogin,
  type LoginValues,
} from "./login";

/**
 * The login screen: "Username" and "Password", the "Log in" button; empty fields are refused
 * before anything is sent, a refused login is said in words. Once signed in (also when a
 * reloaded tab's session was restored) it opens `?next=` (a path of the app) or /invoices.
 */
export function LoginPage() {
  const { state, login } = useAuth();
  const [params] = useSearchParams();
  const [values, setValues] = useState<LoginValues>({ username: "", password: "" });
  const [errors, setErrors] = useState<FormErrors<LoginValues>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (state.status === "signedIn") return <Navigate to={safeNext(params.get("next"))} replace />;
  if (state.status === "restoring") return <Loading what="Restoring your session" />;

  async function submit(): Promise<void> {
    const found = validateLogin(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setFailure(null);
    setBusy(true);
    try {
      await login(values.username.trim(), values.password);
    } catch (error) {
      setFailure(loginErrorMessage(error));
      setValues((current) => ({ ...current, password: "" }));
      setBusy(false);
    }
  }

  const set = (name: keyof LoginValues) => (value: string) =>
    setValues((current) => ({ ...current, [name]: value }));

  return (
    <section className="login">
      <h1>Log in</h1>
      <Notice message={failure ? null : signedOutNotice(state.reason)} />
      <div className="card">
        <Form
          label="Log in"
          onSubmit={() => void submit()}
          error={undefined}
          failedTitle="You are not logged in."
          submitLabel="Log in"
          busy={busy}
        >
          <TextField
            id="login-username"
            label="Username"
            autoComplete="username"
            value={values.username}
            onChange={set("username")}
            error={errors.username}
          />
          <TextField
            id="login-password"
            label="Password"
            type="password"
            autoComplete="current-password"
            value={values.password}
            onChange={set("password")}
            error={errors.password}
          />
          {failure ? (
            <p className="error" role="alert" data-testid="login-error">
              {failure}
            </p>
          ) : null}
        </Form>
      </div>
    </section>
  );
}
