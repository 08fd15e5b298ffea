import { Injectable, NotFoundException } from "@nestjs/common";

export interface Cat {
  id: number;
  name: string;
}

@Injectable()
export class CatsService {
  private readonly cats: Cat[] = [
    { id: 1, name: "Tom" },
    { id: 2, name: "Felix" },
  ];

  greeting(): string {
    return "Hello from nest (ES modules)";
  }

  find(id: number): Cat {
    const cat = this.cats.find((c) => c.id === id);
    if (!cat) throw new NotFoundException(`no cat ${id}`);
    return cat;
  }
}
