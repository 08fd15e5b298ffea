export const js = true;
