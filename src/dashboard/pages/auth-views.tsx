/** @jsxImportSource #html */
import { Document, VIEWER_SCOPE } from '../components/layout';
import { AccountName, CsrfField, FormErrors, postTo } from '../components/ui';

function AuthCard(props: { title: string; children: JSX.Element | JSX.Element[] }) {
  return (
    <div id="app" class="auth-wrap">
      <div class="card auth-card">
        <div class="brand big">
          <span>GopherGate</span>
        </div>
        <h1 safe>{props.title}</h1>
        {props.children}
      </div>
    </div>
  );
}

export function LoginPage(props: { username?: string; errors?: string[] }) {
  return (
    <Document title="Sign in">
      <AuthCard title="Sign in">
        <form {...postTo('/login')} hx-target="#app" hx-select="#app" hx-swap="outerHTML" class="stack">
          <FormErrors errors={props.errors} />
          {/* After a refused sign-in the name is kept: the password, cleared, is what to type next. */}
          <label>Username<input name="username" value={props.username ?? ''} required autocomplete="username" autofocus={!props.username} /></label>
          <label>Password<input name="password" type="password" required autocomplete="current-password" autofocus={!!props.username} /></label>
          <button type="submit" class="btn primary">Sign in</button>
        </form>
      </AuthCard>
    </Document>
  );
}

/**
 * Forced after signing in with a password someone else set: the default admin's, or one an admin
 * gave a new user or reset (and reachable from the sidebar).
 */
/** Where a refused change shows why, under the field it names; the passwords typed stay in their fields. */
export const CHANGE_PASSWORD_ERRORS = 'change-password-errors';

/** `errors`: a refusal of a form sent with JavaScript off, shown on the page anew (htmx gets the slot alone). */
export function ChangePasswordPage(props: { csrfToken: string; username: string; forced: boolean; errors?: string[]; param?: string | null }) {
  return (
    <Document title="Change password">
      <AuthCard title="Choose a new password">
        {props.forced ? <p class="notice-text">This account's password was set for you (the default one, or by an admin). Choose your own to continue.</p> : ''}
        {/* Answered by HX-Location when done, else by the errors for its slot (hx-retarget): no hx-select. */}
        <form {...postTo('/change-password')} hx-target="#app" hx-swap="outerHTML" class="stack"
          hx-headers={JSON.stringify({ 'x-csrf-token': props.csrfToken })}>
          <CsrfField token={props.csrfToken} />
          <div id={CHANGE_PASSWORD_ERRORS}><FormErrors errors={props.errors} param={props.param} /></div>
          <AccountName username={props.username} />
          <label>Current password<input name="current_password" type="password" required autocomplete="current-password" autofocus /></label>
          <label>New password (12+ characters)<input name="new_password" type="password" required minlength="12" autocomplete="new-password" /></label>
          <label>Repeat new password<input name="confirm_password" type="password" required minlength="12" autocomplete="new-password" /></label>
          <button type="submit" class="btn primary">Change password</button>
        </form>
        {/* Chosen from the sidebar, not forced: a way back without changing anything. */}
        {props.forced ? '' : <p class="small"><a href="/">Back to the dashboard</a></p>}
      </AuthCard>
    </Document>
  );
}

export function ForbiddenPage() {
  return (
    <div class="page" data-page="forbidden">
      <div class="empty">
        <strong>Admins only</strong>
        <div class="muted" safe>{`This page needs the admin role. ${VIEWER_SCOPE}`}</div>
      </div>
    </div>
  );
}
