// An in-process API over a test engine: requests go through app.inject, no sockets.
import type { FastifyInstance } from 'fastify';
import type { RawConfig } from '../../src/config.js';
import { buildServer } from '../../src/server/app.js';
import { sqliteEngine, type TestEngine } from './engine.js';

export interface TestApi {
  engine: TestEngine;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function testApi(raw: RawConfig = {}): Promise<TestApi> {
  const engine = await sqliteEngine(raw);
  const app = await buildServer(engine);
  return {
    engine,
    app,
    async close() {
      await app.close();
      await engine.stop();
      await engine.store.close();
    },
  };
}

/** A JSON response body, typed by the test that reads it. */
export function read<T>(response: { json<U>(): U }): T {
  return response.json<T>();
}
