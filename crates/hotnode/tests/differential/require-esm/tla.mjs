await 0;
export const y = 2;
