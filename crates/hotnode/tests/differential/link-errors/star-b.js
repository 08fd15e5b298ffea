export const shared = "b";
