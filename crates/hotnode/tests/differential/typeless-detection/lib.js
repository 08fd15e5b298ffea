export const v = "lib is ESM";
