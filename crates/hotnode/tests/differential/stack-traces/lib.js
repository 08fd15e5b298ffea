export function fail(why) {
  throw new Error(`failed: ${why}`);
}

export class Service {
  run() {
    return this.#inner();
  }
  #inner() {
    fail("in a method");
  }
}
