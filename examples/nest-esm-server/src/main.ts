import "reflect-metadata";
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module.js";

declare const module: any;

// NestJS's hot-reload recipe, unchanged, in an ES module: under webpack every module has
// `module`; hotnode gives one (with `hot`) to an ES module that uses it this way. This module
// accepts itself, so an edit anywhere in the app re-evaluates the changed modules up to here
// and bootstraps again in this process; the old app is closed first by its dispose handler.
async function bootstrap() {
  const started = performance.now();
  const app = await NestFactory.create(AppModule, { logger: ["error", "warn"] });
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  const ms = (performance.now() - started).toFixed(1);
  console.log(`nest listening on http://localhost:${port} (pid ${process.pid}, bootstrap ${ms} ms)`);

  if (module.hot) {
    module.hot.accept();
    module.hot.dispose(() => app.close());
  }
}
await bootstrap();
