export const ambiguous = 2;
export * from "./star-shared.js";
export const two = 2;
