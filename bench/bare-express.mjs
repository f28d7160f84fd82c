// The baseline: a bare Express 5 app answering constant JSON on the contract's routes —
// no auth, no validation, no storage, no logging.
import express from 'express';

const app = {
  id: '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8',
  provider: 'stripe',
  name: 'My Stripe OAuth App',
  client_id: '8ff58ef0-d376-4ae8-b2e2-9f0206aa65b8',
  client_secret: '**********',
  metadata: { custom_property: 42 },
  health: { status: 'ok', notes: [], time: '2024-02-20T02:10:52.000Z' },
  created_at: '2024-02-20T02:10:52.000Z',
  updated_at: '2024-02-20T02:10:52.000Z',
};
const list = { data: Array.from({ length: 100 }, (_, i) => ({ ...app, name: `app ${i}` })) };

const server = express();
server.use(express.json({ limit: '1mb' }));
server.get('/v1/oauth-apps', (_req, res) => void res.json(list));
server.get('/v1/oauth-apps/:id', (_req, res) => void res.json(app));
server.patch('/v1/oauth-apps/:id', (req, res) => void res.json({ ...app, ...req.body }));
server.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
server.listen(Number(process.env.PORT), '127.0.0.1');
