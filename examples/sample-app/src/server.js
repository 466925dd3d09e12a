'use strict';

// Entry point: listens on PORT (default 3000) and shuts down cleanly on SIGTERM/SIGINT,
// as a container orchestrator expects.
const { createApp } = require('./app');

const port = Number(process.env.PORT || 3000);
const server = createApp().listen(port, () => {
  console.log(`sample-app listening on port ${port}`);
});

function shutdown(signal) {
  console.log(`${signal} received, closing the server`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(1), 10000).unref();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
