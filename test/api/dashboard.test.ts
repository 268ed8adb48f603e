// The dashboard page is served by the API process, and every API path it reads exists and answers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
beforeEach(async () => { api = await testApi(); });
afterEach(async () => { await api.close(); });

describe('dashboard', () => {
  it('is served at /dashboard (and / redirects there)', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/' })).headers.location).toBe('/dashboard');
    const page = await api.app.inject({ method: 'GET', url: '/dashboard' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    for (const section of ['Executions by status', 'Recent executions', 'Dead letters', 'Circuit breakers', 'Alerts', 'Workflow graph', 'Upcoming fires']) expect(page.body).toContain(section);
  });

  it('its stop, resume and cancel buttons post to routes that exist', async () => {
    const page = (await api.app.inject({ method: 'GET', url: '/dashboard' })).body;
    expect(page).toContain('Emergency stop');
    const posts = [...new Set([...page.matchAll(/post\(\\?'([^'\\]+)\\?'/g)].map((m) => m[1] as string))];
    expect(posts.sort()).toEqual(['/v1/executions/cancel', '/v1/resume', '/v1/stop']);
    expect((await api.app.inject({ method: 'POST', url: '/v1/stop', payload: { reason: 'emergency stop from the dashboard' } })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'POST', url: '/v1/resume', payload: {} })).statusCode).toBe(200);
    const cancel = await api.app.inject({ method: 'POST', url: '/v1/executions/cancel', payload: { workflow: 'w', record_type: 'lead', record_id: 'l1' } });
    expect(cancel.json()).toEqual({ cancelled: 0, stopping: 0 });
  });

  it('reads only API paths that answer', async () => {
    const page = (await api.app.inject({ method: 'GET', url: '/dashboard' })).body;
    const paths = [...page.matchAll(/api\('([^']+)'\)/g)].map((m) => m[1] as string);
    expect(paths.length).toBeGreaterThanOrEqual(6);
    for (const path of paths) expect((await api.app.inject({ method: 'GET', url: path })).statusCode, path).toBe(200);
  });
});
