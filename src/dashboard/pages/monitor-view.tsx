/** @jsxImportSource #html */
import { Card } from '../components/ui';
import { PageHeader } from '../components/layout';
import type { LogJson } from '../../logging/log-row';

/**
 * The live stream. Rows are drawn by the `monitor` Alpine component in web/monitor.js with x-text
 * (textContent), so nothing from the socket is ever parsed as HTML. Recent rows from the log
 * table seed the view in data-initial (a JSON attribute, escaped by Kita), in the same shape as
 * the socket's events, so one function in monitor.js reads both.
 */
export function MonitorView(props: { initial: LogJson[]; clientNames: Record<string, string>; showInstance?: boolean }) {
  return (
    <div class="page" data-page="monitor" x-data="monitor" data-ws="/api/monitor/ws"
      data-initial={JSON.stringify(props.initial)} data-clients={JSON.stringify(props.clientNames)}
      data-show-instance={props.showInstance ? 'true' : 'false'}>
      <PageHeader title="Monitoring" subtitle="Requests as they finish, newest first.">
        <span class="badge" x-bind:class="connected ? 'ok' : 'warn'" x-text="connected ? 'live' : 'connecting…'" id="monitor-status">connecting…</span>
        <span class="muted small" x-show="paused && pending > 0" x-text="pending + ' new while paused'"></span>
        <button type="button" class="btn small" id="monitor-pause" x-on:click="toggle()" x-text="paused ? 'Resume' : 'Pause'">Pause</button>
        <button type="button" class="btn small ghost" x-on:click="clear()">Clear</button>
      </PageHeader>
      <Card>
        <div class="table-wrap">
          <table class="table compact" id="monitor-table">
            <thead>
              <tr><th>Time (UTC)</th><th>Status</th><th>Client</th><th>Model</th><th>Route</th><th class="num">Tokens in/out</th><th class="num">Cost</th><th class="num">Latency</th></tr>
            </thead>
            <tbody>
              <template x-for="r in rows" x-bind:key="r.id">
                <tr class="monitor-row" x-bind:class="r.fresh ? 'fresh' : ''">
                  <td class="nowrap"><span x-text="time(r.t)"></span>
                    {/* On PostgreSQL several instances feed one monitor: each row names the one that served it. */}
                    <div class="muted small monitor-instance" x-show="showInstance && r.instance" x-text="r.instance"></div></td>
                  <td><span class="badge" x-bind:class="statusKind(r.status)" x-text="r.status"></span></td>
                  <td><span class="clip" dir="auto" x-text="r.client" x-bind:title="r.client"></span></td>
                  <td><code class="model-name" x-text="r.model" x-bind:title="r.model"></code><div class="muted small"><span x-text="r.provider"></span>
                    {/* A streamed answer or another endpoint than chat, named as the Logs detail names it. */}
                    <span class="endpoint monitor-endpoint" x-show="r.endpoint" x-text="(r.provider ? ' · ' : '') + r.endpoint"></span></div></td>
                  <td><code class="small model-name" x-text="r.route" x-bind:title="r.route"></code><div class="form-error small monitor-error" x-show="r.error" x-text="r.error"></div></td>
                  <td class="num" x-text="(r.estimated ? '≈ ' : '') + num(r.promptTokens) + ' / ' + num(r.completionTokens)" x-bind:title="r.estimated ? estimatedNote : null"></td>
                  <td class="num" x-text="r.costUnknown ? 'unknown' : (r.estimated ? '≈ ' : '') + usd(r.costUsd)" x-bind:title="r.estimated ? estimatedNote : null"></td>
                  <td class="num" x-text="ms(r.latencyMs)"></td>
                </tr>
              </template>
            </tbody>
          </table>
        </div>
        <div class="empty" x-show="rows.length === 0">
          <strong>Waiting for traffic</strong>
          <div class="muted">Requests to <code>/v1</code> appear here the moment they finish.</div>
        </div>
      </Card>
    </div>
  );
}
