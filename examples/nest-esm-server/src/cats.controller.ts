import { Controller, Get, Param, ParseIntPipe } from "@nestjs/common";
import { CatsService } from "./cats.service.js";

// No @Inject(): Nest finds CatsService from the constructor's parameter types, which the
// compiler records with emitDecoratorMetadata ("design:paramtypes").
@Controller()
export class CatsController {
  constructor(private readonly cats: CatsService) {}

  @Get()
  hello(): string {
    return `${this.cats.greeting()} (pid ${process.pid})\n`;
  }

  @Get("cats/:id")
  find(@Param("id", ParseIntPipe) id: number) {
    return this.cats.find(id);
  }
}
