import { Router } from "express";

export const router = Router();

router.get("/", (_req, res) => {
  res.type("text/plain").send(`Hello from express (request #${res.locals.served}, pid ${process.pid})\n`);
});

router.get("/users/:id", (req, res) => {
  res.json({ id: Number(req.params.id), name: `user ${req.params.id}` });
});
