import { Router } from "express";
import { greeting } from "./greeting.js";

export const router = Router();

router.get("/", (_req, res) => {
  res.type("text/plain").send(`${greeting("express")} (request #${res.locals.served}, pid ${process.pid})\n`);
});

router.get("/users/:id", (req, res) => {
  res.json({ id: Number(req.params.id), name: `user ${req.params.id}` });
});
