// slack.post and teams.post: a message to a channel through an incoming-webhook URL. The URL is
// the credential (anyone holding it can post), so it lives in the connector's secrets.
import type { CelProgram } from '../../conditions/cel.js';
import { outboundRequest } from '../../net/outbound-http.js';
import type { Json } from '../../domain/types.js';
import type { ExternalAction } from '../types.js';
import { CelParam, ConnectorParam, StepCompiler, expectSuccess, renderString, useConnector, withRedaction } from './common.js';

export interface CompiledChatPost {
  connector: string;
  text: CelProgram;
}

function chatAction(type: 'slack.post' | 'teams.post', connectorType: 'slack' | 'teams', payload: (text: string) => Json): ExternalAction<CompiledChatPost> {
  const action: ExternalAction<CompiledChatPost> = {
    kind: 'external',
    type,
    connectorType,
    description: `Post a message through a ${connectorType} incoming webhook`,
    params: { connector: ConnectorParam, text: { ...CelParam, description: 'CEL: the message text' } },
    compile(step, ctx) {
      const c = new StepCompiler(step, ctx);
      const connector = c.connector();
      const text = c.template('text', { required: true });
      return { problems: c.problems, compiled: text ? { connector, text } : undefined };
    },
    async run(compiled, ctx) {
      const use = useConnector(ctx, compiled.connector, action);
      const text = renderString(compiled.text, ctx.cel, 'text');
      return withRedaction(use.secrets, async () => {
        const url = new URL(use.connector.secrets.webhookUrl ?? '');
        const response = await outboundRequest(use.outbound, {
          url,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': ctx.idempotencyKey },
          body: JSON.stringify(payload(text)),
          signal: ctx.signal,
          timeoutMs: use.timeoutMs,
        });
        // Only the host: the webhook path is the secret.
        expectSuccess(response, `${connectorType} webhook at ${url.host}`, ctx.cel.now);
        return { status: response.status };
      });
    },
  };
  return action;
}

export const slackPost = chatAction('slack.post', 'slack', (text) => ({ text }));

// Teams workflow webhooks take an Adaptive Card; legacy connector webhooks read `text`. Send both.
export const teamsPost = chatAction('teams.post', 'teams', (text) => ({
  type: 'message',
  text,
  attachments: [
    {
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: { type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: '1.4', body: [{ type: 'TextBlock', text, wrap: true }] },
    },
  ],
}));
