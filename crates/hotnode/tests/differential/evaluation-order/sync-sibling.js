globalThis.order.push("sync-sibling");
export const sawFlag = globalThis.flag;
