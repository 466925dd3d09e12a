const express = require('express');

const app = express();
const port = Number(process.env.PORT || 3500);

app.get('/livez', (_req, res) => res.json({ status: 'ok' }));
app.get('/ledger/:id', (req, res) => res.json({ id: req.params.id }));

app.listen(port, () => console.log(`listening on ${port}`));
