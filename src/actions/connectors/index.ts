// External actions (connectors): email, Slack, Teams, HTTP, SMS, notifications.
import type { ExternalAction } from '../types.js';

export const CONNECTOR_ACTIONS: ExternalAction[] = [];
