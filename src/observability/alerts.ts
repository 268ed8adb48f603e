// Alerts: stored first (the API and dashboard list them), then delivered to the tenant's alert
// connector if one is configured. Delivery is best effort and never blocks an execution; a
// failed delivery is reported as an event, and the stored alert remains.
import type { ConnectorRuntime } from '../actions/connectors/config.js';
import { outboundRequest } from '../net/outbound-http.js';
import type { AlertRow } from '../domain/types.js';
import type { EngineEvents } from './events.js';

export class Alerts {
  constructor(
    /** The tenant's alert connector (slack, teams or http), if configured. */
    private readonly target: (tenant: string) => ConnectorRuntime | undefined,
    private readonly events: EngineEvents,
  ) {}

  async deliver(alert: AlertRow): Promise<void> {
    this.events.emit('alert:raised', alert);
    const connector = this.target(alert.tenant);
    if (!connector) return;
    const text = `[switchyard ${alert.severity}] ${alert.message}`;
    try {
      const base = connector.settings.baseUrl;
      const url = connector.type === 'http' ? (typeof base === 'string' ? base : '') : (connector.secrets.webhookUrl ?? '');
      const body = connector.type === 'http' ? { ...alert, text } : { text };
      const response = await outboundRequest(connector.outbound, {
        url: new URL(url), method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `alert:${alert.id}` },
        body: JSON.stringify(body), timeoutMs: connector.timeoutMs,
      });
      if (response.status >= 300) throw new Error(`alert connector ${connector.name} answered ${response.status}`);
    } catch (error) {
      this.events.emit('alert:undelivered', alert, error);
    }
  }
}
