'use strict';

// The HTTP application, without a listening socket, so tests can start it on any port.
const express = require('express');

const { version } = require('../package.json');

function createApp() {
  const app = express();
  const items = new Map();
  let nextId = 1;

  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));

  // Liveness and readiness: cheap, no dependencies.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', version, uptimeSeconds: Math.round(process.uptime()) });
  });

  app.get('/', (_req, res) => {
    res.json({ service: 'sample-app', version });
  });

  app.get('/api/items', (_req, res) => {
    res.json([...items.values()]);
  });

  app.post('/api/items', (req, res) => {
    const name = req.body && typeof req.body.name === 'string' ? req.body.name.trim() : '';
    if (!name) {
      res.status(400).json({ error: 'name is required' });
      return;
    }
    const item = { id: nextId++, name };
    items.set(item.id, item);
    res.status(201).json(item);
  });

  app.get('/api/items/:id', (req, res) => {
    const item = items.get(Number(req.params.id));
    if (!item) {
      res.status(404).json({ error: 'not found' });
      return;
    }
    res.json(item);
  });

  return app;
}

module.exports = { createApp };
