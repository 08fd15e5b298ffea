globalThis.order = [];
globalThis.order.push("log");
