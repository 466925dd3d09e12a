import express from "express";

const app = express();
const port = Number(process.env.PORT) || 3400;

app.get("/status", (_req, res) => {
  res.json({ status: "up" });
});

app.get("/greet/:name", (req, res) => {
  res.json({ message: `Hello, ${req.params.name}` });
});

app.listen(port, () => {
  console.log(`greeter listening on ${port}`);
});
