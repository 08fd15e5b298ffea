import data from "./data.json" with { type: "json" };
import { named } from "./data.json" with { type: "json" };
console.log(data, named);
