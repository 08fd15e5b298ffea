export * from "./star-one.js";
export * from "./star-two.js";
