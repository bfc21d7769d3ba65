/** @jsxImportSource #html */
import { AccountName, Card, FormErrors, postTo } from '../components/ui';
import { PageHeader, VIEWER_SCOPE } from '../components/layout';
import { ago, utcDateTime } from '../format';

export interface UserRow {
  id: number;
  username: string;
  role: 'admin' | 'viewer';
  mustChangePassword: boolean;
  createdAt: number;
}

/** Where a user's password reset shows why it was refused: in that user's row, the form kept open with what was typed. */
export const userErrorSlot = (id: number) => `user-${id}-password-errors`;

/**
 * One user's row. A role change answers with this row alone (`notice`: what changed; `errors`: why
 * not), so a password reset open in another row keeps what was typed in it.
 */
export function UserRowView(props: { u: UserRow; selfId: number; notice?: string; errors?: string[] }) {
  const { u } = props;
  const self = u.id === props.selfId;
  return (
    <tr id={`user-${u.id}`}>
      <td>
        <span class="clip" dir="auto" title={u.username} safe>{u.username}</span>
        {self ? <span class="muted small"> (you)</span> : ''}
        {u.mustChangePassword ? <span class="badge warn small">must change password</span> : ''}
      </td>
      <td>
        <form {...postTo(`/users/${u.id}/role`)} hx-target={`#user-${u.id}`} hx-swap="outerHTML" hx-trigger="change"
          hx-confirm={self ? 'Make yourself a viewer? You lose the admin pages at once.' : undefined}>
          <select id={`user-${u.id}-role`} name="role" aria-label={`Role of ${u.username}`}>
            <option value="admin" selected={u.role === 'admin'}>admin</option>
            <option value="viewer" selected={u.role === 'viewer'}>viewer</option>
          </select>
        </form>
        {props.notice ? <span class="saved small" role="status" safe>{props.notice}</span> : ''}
        <FormErrors errors={props.errors} />
      </td>
      <td class="nowrap" title={utcDateTime(u.createdAt)}>{ago(u.createdAt)}</td>
      {/* An id: an editor open here is opened again after a swap of the section or the row (web/editors.js). */}
      <td class="actions" id={`user-${u.id}-actions`} x-data="editors">
        {/* Resetting one's own password ended this very session: one's own goes through Change password. */}
        {self ? <a class="btn small ghost" href="/change-password">Change password</a> : (
          <>
            <button type="button" class="btn small ghost" data-opens="password" x-show="!open.password" x-on:click="toggle('password')">Reset password</button>
            <form x-show="open.password" x-cloak data-editor="password" class="inline-form tight" {...postTo(`/users/${u.id}/password`)} hx-target="#users-section" hx-swap="outerHTML">
              <AccountName username={u.username} />
              <input name="password" type="password" minlength="12" required autocomplete="new-password" placeholder="New password" aria-label="New password" />
              <button type="submit" class="btn small primary">Set</button>
              <button type="button" class="btn small ghost" x-on:click="close('password')">Cancel</button>
              <div id={userErrorSlot(u.id)}></div>
            </form>
          </>
        )}
        {self ? '' : (
          <button type="button" class="btn small danger" hx-delete={`/users/${u.id}`} hx-target="#users-section" hx-swap="outerHTML"
            hx-confirm="Delete this user? Their sessions end now.">Delete</button>
        )}
      </td>
    </tr>
  );
}

/** The row of a user deleted meanwhile (in another tab), in place of theirs. */
export function UserGoneRow(props: { id: number; errors: string[] }) {
  return (
    <tr id={`user-${props.id}`} class="deleted">
      <td colspan="4"><FormErrors errors={props.errors} /></td>
    </tr>
  );
}

/** Where the "Add a user" form shows why a user was not created (the form keeps what was typed). */
export const USER_CREATE_ERRORS = 'user-create-errors';

export function UsersSection(props: { users: UserRow[]; selfId: number; errors?: string[]; notice?: string }) {
  return (
    <div id="users-section">
      <Card title="Add a user">
        <form class="inline-form" {...postTo('/users')} hx-target="#users-section" hx-swap="outerHTML">
          <input name="username" required maxlength="64" placeholder="username" aria-label="Username" autocomplete="off" />
          <input name="password" type="password" required minlength="12" placeholder="password (12+ characters)" aria-label="Password" autocomplete="new-password" />
          <select name="role" aria-label="Role">
            <option value="viewer">viewer (read-only)</option>
            <option value="admin">admin</option>
          </select>
          <button type="submit" class="btn primary">Create user</button>
        </form>
        {/* The notice inside the errors' slot: a failed create that follows replaces it (beside them it
            said "Created vera" under "The username 'Vera' is taken"). */}
        <div id={USER_CREATE_ERRORS}><FormErrors errors={props.errors} />{props.notice ? <p class="saved" role="status" safe>{props.notice}</p> : ''}</div>
      </Card>
      <Card>
        <div class="table-wrap">
          <table class="table" id="users-table">
            <thead><tr><th>User</th><th>Role</th><th>Created</th><th></th></tr></thead>
            <tbody>{props.users.map((u) => <UserRowView u={u} selfId={props.selfId} />)}</tbody>
          </table>
        </div>
      </Card>
    </div>
  );
}

export function UsersView(props: { users: UserRow[]; selfId: number }) {
  return (
    <div class="page" data-page="users">
      <PageHeader title="Users" subtitle={`Admins change everything. ${VIEWER_SCOPE}`} />
      <UsersSection users={props.users} selfId={props.selfId} />
    </div>
  );
}
