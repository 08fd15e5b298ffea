console.log("lib ran");
export const present = 1;
