globalThis.order.push("after-cycle");
