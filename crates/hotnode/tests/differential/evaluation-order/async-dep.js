globalThis.order.push("async-dep start");
globalThis.flag = "before await";
await 0;
globalThis.flag = "after await";
globalThis.order.push("async-dep end");
