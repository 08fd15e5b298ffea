export const ambiguous = 1;
export { shared } from "./star-shared.js";
