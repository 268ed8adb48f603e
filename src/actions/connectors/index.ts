// External actions (connectors): email, Slack, Teams, HTTP, SMS. Each reaches outside through a
// configured connector (see config.ts) and the SSRF-guarded outbound client (net/outbound-http.ts).
import type { ExternalAction } from '../types.js';
import { slackPost, teamsPost } from './chat-post.js';
import { emailSend } from './email-send.js';
import { httpRequest } from './http-request.js';
import { smsSend } from './sms-send.js';

export const CONNECTOR_ACTIONS: ExternalAction[] = [httpRequest, emailSend, slackPost, teamsPost, smsSend] as ExternalAction[];

export { httpRequest, emailSend, slackPost, teamsPost, smsSend };
export { resolveConnectors, redactSecrets, ConnectorConfigSchema, ConnectorListSchema, CONNECTOR_TYPES } from './config.js';
export type { ConnectorConfig, ConnectorRuntime, ConnectorType, ResolveConnectorsOptions } from './config.js';
