export const shared = "a";
