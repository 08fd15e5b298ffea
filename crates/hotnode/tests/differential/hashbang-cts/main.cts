#!/usr/bin/env node
// A TypeScript CommonJS entry with a #! line (what tsc keeps in bin/www).
const n: number = 2;
console.log("cts with #!", n * 21);
